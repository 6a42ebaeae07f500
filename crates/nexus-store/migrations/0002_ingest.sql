-- Ingest: the web-mercator copy is derived by the database, field schemas and bounds live in
-- the catalog, and every ingest leaves a provenance record.

-- Web mercator is undefined at the poles: clip to its square first (only when needed, so
-- ordinary data pays nothing), then reproject.
CREATE FUNCTION nexus_to_3857(g geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ST_Transform(
        CASE WHEN ST_YMax(g) > 85.0511287798 OR ST_YMin(g) < -85.0511287798
             THEN ST_ClipByBox2D(g, ST_MakeEnvelope(-180, -85.0511287798, 180, 85.0511287798, 4326))
             ELSE g END,
        3857)
$$;

-- geom_3857 becomes a generated column: it can never disagree with geom. (Dropping the old
-- column drops its index and the projects CHECK that paired it with geom.)
ALTER TABLE features DROP COLUMN geom_3857;
-- The expression is nexus_to_3857's body written out: a call to the SQL function is not
-- inlined in a generated column and costs three times as much per row.
ALTER TABLE features ADD COLUMN geom_3857 geometry(Geometry, 3857) GENERATED ALWAYS AS (
    ST_Transform(CASE WHEN ST_YMax(geom) > 85.0511287798 OR ST_YMin(geom) < -85.0511287798
                  THEN ST_ClipByBox2D(geom, ST_MakeEnvelope(-180, -85.0511287798, 180, 85.0511287798, 4326))
                  ELSE geom END, 3857)) STORED;
CREATE INDEX features_geom_3857_idx ON features USING gist (geom_3857);

ALTER TABLE projects DROP COLUMN geom_3857;
ALTER TABLE projects ADD COLUMN geom_3857 geometry(Geometry, 3857) GENERATED ALWAYS AS (
    ST_Transform(CASE WHEN ST_YMax(geom) > 85.0511287798 OR ST_YMin(geom) < -85.0511287798
                  THEN ST_ClipByBox2D(geom, ST_MakeEnvelope(-180, -85.0511287798, 180, 85.0511287798, 4326))
                  ELSE geom END, 3857)) STORED;
CREATE INDEX projects_geom_3857_idx ON projects USING gist (geom_3857);

-- Features have one spatial index, on the web-mercator copy: tiles use it directly, and
-- longitude/latitude queries (bbox filters, distances) transform their box to 3857 and refine
-- on geom. A second GiST index on geom cost as much again at every ingest.
DROP INDEX features_geom_idx;

-- A feature belongs to its layer through its partition (created for an existing layer, with
-- a CHECK on layer_id, and dropped with it); the foreign key added nothing but a full scan of
-- every newly attached partition.
ALTER TABLE features DROP CONSTRAINT features_layer_id_fkey;

-- Bounds as [west, south, east, north] (a point layer's extent is not a polygon), and the
-- properties' schema as [{"name": ..., "type": ...}] for TileJSON and OGC API.
ALTER TABLE layers DROP COLUMN bounds;
ALTER TABLE layers ADD COLUMN bounds double precision[] CHECK (bounds IS NULL OR cardinality(bounds) = 4);
ALTER TABLE layers ADD COLUMN fields jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(fields) = 'array');

CREATE TABLE layer_ingests (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    layer_id         text NOT NULL REFERENCES layers (id) ON DELETE CASCADE,
    revision         bigint NOT NULL,
    mode             text NOT NULL CHECK (mode IN ('replace', 'append')),
    file_name        text NOT NULL,
    file_sha256      text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    file_bytes       bigint NOT NULL,
    format           text NOT NULL,
    source_layer     text,
    source_crs       text,
    features_read    bigint NOT NULL,
    features_loaded  bigint NOT NULL,
    features_repaired bigint NOT NULL,
    features_dropped bigint NOT NULL,
    report           jsonb NOT NULL,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX layer_ingests_layer_idx ON layer_ingests (layer_id, revision DESC);
