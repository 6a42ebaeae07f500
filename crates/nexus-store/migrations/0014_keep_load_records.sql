-- A layer's load records outlive a soft deletion of the layer (its catalog row goes to the
-- history until restored or purged); they cascaded away with the catalog row before.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'layer_ingests'::regclass AND contype = 'f' LOOP
        EXECUTE format('ALTER TABLE layer_ingests DROP CONSTRAINT %I', c.conname);
    END LOOP;
END
$$;
