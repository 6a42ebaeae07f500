-- The programme's showcased solutions (data/solutions.toml): kinds of work with their source,
-- and the projects that do them where a source names a city. They have no place of their own.
CREATE TABLE showcased_solutions (
    slug        text PRIMARY KEY,
    position    integer NOT NULL,
    title       text NOT NULL CHECK (title <> ''),
    title_local text,
    description text NOT NULL CHECK (description <> ''),
    sectors     text[] NOT NULL CHECK (cardinality(sectors) >= 1
                                       AND sectors <@ ARRAY['water', 'energy', 'food', 'waste', 'land']),
    source      text NOT NULL CHECK (source <> ''),
    note        text,
    projects    text[] NOT NULL DEFAULT '{}'
);
