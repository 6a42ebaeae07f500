-- A layer's earlier data, kept for restore: a replace (or a deletion) moves the outgoing
-- partition into schema nexus_history instead of dropping it, and `layer_revisions` says
-- which revision it was, what the catalog said then, who loaded it from what file. Only the
-- newest few are kept (nexus_prune_layer_history); older rows keep their record, not data.

-- IF NOT EXISTS: the schema (kept data and its sequence) outlives a rebuilt `public`.
CREATE SCHEMA IF NOT EXISTS nexus_history;
CREATE SEQUENCE IF NOT EXISTS nexus_history.data_seq;

CREATE TABLE layer_revisions (
    layer_id   text NOT NULL,
    revision   bigint NOT NULL,
    catalog    jsonb NOT NULL,
    data_table text,
    file_name  text,
    actor_id   bigint,
    actor_name text NOT NULL,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (layer_id, revision)
);

INSERT INTO layer_revisions (layer_id, revision, catalog, actor_name, at, file_name)
SELECT l.id, l.revision, to_jsonb(l), 'system', l.updated_at,
       (SELECT i.file_name FROM layer_ingests i WHERE i.layer_id = l.id ORDER BY i.revision DESC LIMIT 1)
FROM layers l;

-- Moves layer `layer`'s partition (revision `rev`) into nexus_history and records it; returns
-- the kept table's name, or NULL when the layer has no data table.
CREATE FUNCTION nexus_archive_layer_data(layer text, rev bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    live text := 'f_' || layer;
    kept text;
    c record;
    n int := 0;
BEGIN
    IF to_regclass(quote_ident(live)) IS NULL THEN
        RETURN NULL;
    END IF;
    kept := 'layer_data_' || nextval('nexus_history.data_seq');
    IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(quote_ident(live))) THEN
        EXECUTE format('ALTER TABLE features DETACH PARTITION %I', live);
    END IF;
    -- The partition's foreign key to `layers` would cascade a deletion into the kept data.
    FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(quote_ident(live)) AND contype = 'f' LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', live, c.conname);
    END LOOP;
    EXECUTE format('ALTER TABLE %I SET SCHEMA nexus_history', live);
    EXECUTE format('ALTER TABLE nexus_history.%I RENAME TO %I', live, kept);
    -- Its indexes moved with it; new names free the live ones for the next archive.
    FOR c IN SELECT indexrelid::regclass::text AS idx FROM pg_index
             WHERE indrelid = format('nexus_history.%I', kept)::regclass LOOP
        n := n + 1;
        EXECUTE format('ALTER INDEX %s RENAME TO %I', c.idx, kept || '_' || n);
    END LOOP;
    INSERT INTO layer_revisions (layer_id, revision, catalog, actor_name)
    SELECT layer, rev, to_jsonb(l), 'system' FROM layers l WHERE l.id = layer
    ON CONFLICT (layer_id, revision) DO NOTHING;
    UPDATE layer_revisions SET data_table = kept WHERE layer_id = layer AND revision = rev;
    RETURN kept;
END
$$;

-- Keeps the data of the newest `keep` revisions of `layer`; older kept tables are dropped.
CREATE FUNCTION nexus_prune_layer_history(layer text, keep int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT revision, data_table FROM layer_revisions
             WHERE layer_id = layer AND data_table IS NOT NULL ORDER BY revision DESC OFFSET keep LOOP
        EXECUTE format('DROP TABLE IF EXISTS nexus_history.%I', r.data_table);
        UPDATE layer_revisions SET data_table = NULL WHERE layer_id = layer AND revision = r.revision;
    END LOOP;
END
$$;

-- Puts catalog entry `snapshot` back as revision `rev` of `layer` (inserting it when the layer
-- was deleted); what pre-rendering made of another revision does not carry over.
CREATE FUNCTION nexus_restore_layer_catalog(layer text, snapshot jsonb, rev bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cols text;
BEGIN
    SELECT string_agg(format('%I = r.%I', attname, attname), ', ') INTO cols
    FROM pg_attribute
    WHERE attrelid = 'layers'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
      AND attname NOT IN ('id', 'revision', 'created_at', 'updated_at', 'prerendered_revision');
    IF NOT EXISTS (SELECT 1 FROM layers WHERE id = layer) THEN
        INSERT INTO layers SELECT * FROM jsonb_populate_record(NULL::layers, snapshot);
    END IF;
    EXECUTE format('UPDATE layers l SET %s, revision = $2, updated_at = now(), prerendered_revision = NULL
                    FROM jsonb_populate_record(NULL::layers, $1) r WHERE l.id = $3', cols)
        USING snapshot, rev, layer;
END
$$;
