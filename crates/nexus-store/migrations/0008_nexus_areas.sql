-- Where each overlay input was, so an edit recomputes only the intensity cells around its old
-- and new places: its city and its web-mercator bounding box [xmin, ymin, xmax, ymax].
ALTER TABLE nexus_inputs
    ADD COLUMN city text,
    ADD COLUMN bbox double precision[] CHECK (bbox IS NULL OR cardinality(bbox) = 4);

-- Projects as a tile source: every change to the table bumps this, and tile URLs and caches
-- key on it as they key on a layer's revision.
CREATE SEQUENCE projects_revision;
CREATE OR REPLACE FUNCTION nexus_notify_projects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('projects_revision');
    PERFORM pg_notify('nexus_changes', json_build_object('kind', 'projects')::text);
    RETURN NULL;
END
$$;
