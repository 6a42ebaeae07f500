-- Least privilege (issue 14, finding 8): a layer's kept data is read-only for the role requests
-- run as. An archived partition keeps the grants it had while live (default privileges give
-- that role INSERT, UPDATE and DELETE on live tables), so the archive now revokes them.
CREATE OR REPLACE FUNCTION nexus_archive_layer_data(layer text, rev bigint) RETURNS text LANGUAGE plpgsql AS $$
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
    -- Kept data is read-only for all but its owner: the role requests run as may write the
    -- rows of live tables, and the grants the live partition had moved with it.
    FOR c IN SELECT DISTINCT a.grantee FROM pg_class t, aclexplode(t.relacl) a
             WHERE t.oid = format('nexus_history.%I', kept)::regclass AND a.grantee <> t.relowner LOOP
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON nexus_history.%I FROM %s', kept,
                       CASE WHEN c.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(c.grantee::regrole::text) END);
    END LOOP;
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
