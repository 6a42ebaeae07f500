-- Tiles: a persistent, revisioned store of pre-rendered low-zoom tiles, per-layer cache
-- lifetimes, and change notifications so every server instance drops stale tiles at once.

CREATE TABLE tile_store (
    layer_id  text NOT NULL,
    revision  bigint NOT NULL,
    z         smallint NOT NULL CHECK (z BETWEEN 0 AND 24),
    x         integer NOT NULL CHECK (x >= 0),
    y         integer NOT NULL CHECK (y >= 0),
    mvt       bytea NOT NULL,
    mvt_gzip  bytea NOT NULL,
    PRIMARY KEY (layer_id, revision, z, x, y)
);

ALTER TABLE layers
    ADD COLUMN prerendered_revision bigint,
    ADD COLUMN prerendered_maxzoom smallint CHECK (prerendered_maxzoom BETWEEN 0 AND 24),
    -- Cache-Control max-age for tile URLs without a revision; versioned URLs are immutable.
    ADD COLUMN cache_max_age integer NOT NULL DEFAULT 300 CHECK (cache_max_age >= 0);

-- One channel for every change a server cares about; the payload names what changed.
CREATE FUNCTION nexus_notify_layer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('nexus_changes', json_build_object('kind', 'layer', 'id', OLD.id, 'revision', -1)::text);
    ELSE
        PERFORM pg_notify('nexus_changes', json_build_object('kind', 'layer', 'id', NEW.id, 'revision', NEW.revision)::text);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER layers_notify AFTER INSERT OR UPDATE OR DELETE ON layers
    FOR EACH ROW EXECUTE FUNCTION nexus_notify_layer();

CREATE FUNCTION nexus_notify_projects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nexus_changes', json_build_object('kind', 'projects')::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER projects_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION nexus_notify_projects();
