-- Features written one at a time (OGC API - Features Part 4). An edit changes the layer's live
-- partition in place and bumps the layer's revision (tiles and overlays follow the catalog's
-- notification as after an upload); this table keeps each edit's feature before and after,
-- which `GET /collections/{id}/items/{fid}/history` lists. It is append-only for the role
-- requests run as (see roles.rs), like the audit trail whose row each edit also writes.

-- A feature's version as clients see it (`ETag`): a digest of its stored geometry and
-- properties, so any change to either, by an edit or a new upload, changes it.
CREATE FUNCTION nexus_feature_etag(g geometry, p jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT left(md5(encode(ST_AsEWKB(g), 'hex') || p::text), 24)
$$;

CREATE TABLE feature_edits (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    layer_id    text NOT NULL,
    fid         bigint NOT NULL CHECK (fid >= 0),
    action      text NOT NULL CHECK (action IN ('create', 'replace', 'update', 'delete')),
    actor_id    bigint,
    actor_name  text NOT NULL,
    -- The layer's revision the edit made.
    revision    bigint NOT NULL,
    -- {"geometry": GeoJSON, "properties": {...}}; none before a create or after a delete.
    before      jsonb,
    after       jsonb,
    CHECK (before IS NOT NULL OR after IS NOT NULL)
);
CREATE INDEX feature_edits_feature_idx ON feature_edits (layer_id, fid, id);
