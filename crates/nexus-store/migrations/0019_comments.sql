-- The public's voice on published projects: comments wait for a publisher of the project's
-- city, who approves, rejects or replies; only approved ones are shown. Keyed by the
-- project's slug, not its row, so a project deleted and restored keeps its comments.
CREATE TABLE project_comments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project      text NOT NULL,
    city         text NOT NULL,
    text         text NOT NULL CHECK (text <> '' AND char_length(text) <= 2000),
    name         text CHECK (name <> '' AND char_length(name) <= 80),
    stance       text CHECK (stance IN ('support', 'concern')),
    point        geometry(Point, 4326),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reply        text CHECK (char_length(reply) <= 2000),
    replied_by   text,
    replied_at   timestamptz,
    moderated_by text,
    moderated_at timestamptz,
    -- Where it came from: what the per-address limit counts.
    client       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_comments_project_idx ON project_comments (project, status, id);
CREATE INDEX project_comments_city_idx ON project_comments (city, status, id);
CREATE INDEX project_comments_client_idx ON project_comments (client, created_at);
