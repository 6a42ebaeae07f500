-- Projects get a stable, readable identifier for URLs, data files and links between them.
ALTER TABLE projects ADD COLUMN slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 48);
