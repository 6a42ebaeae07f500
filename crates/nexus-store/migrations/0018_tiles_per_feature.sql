-- Tiles and overlays fresh per feature: an edit of one feature (OGC API - Features Part 4)
-- re-renders and re-links what that feature touches, not the whole layer.

-- The revision of the layer's last change as a whole (an upload, a restore, new metadata):
-- every revision after it, up to `revision`, was one feature edit, whose places
-- `feature_edits` keeps. Tiles rendered at or after `edit_base` stay true wherever no later
-- edit touched them; a change of `edit_base` means everything is redrawn.
ALTER TABLE layers ADD COLUMN edit_base bigint NOT NULL DEFAULT 0;
UPDATE layers SET edit_base = revision;

-- Every write path that bumps a revision moves the base with it, except a feature edit, which
-- says so for its own transaction (`nexus.feature_edit` = the layer's id). A trigger rather
-- than each writer: a path added later that forgets it would leave stale tiles, this way it
-- only costs a full redraw.
-- A row inserted (a new layer, or a deleted one restored from a catalog kept before this
-- column existed) starts at its own revision.
CREATE FUNCTION nexus_layer_edit_base() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.edit_base := NEW.revision;
    ELSIF NEW.revision IS DISTINCT FROM OLD.revision
       AND current_setting('nexus.feature_edit', true) IS DISTINCT FROM NEW.id THEN
        NEW.edit_base := NEW.revision;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER layers_edit_base BEFORE INSERT OR UPDATE ON layers
    FOR EACH ROW EXECUTE FUNCTION nexus_layer_edit_base();

-- Where an edit's feature was and is, as web-mercator boxes [xmin, ymin, xmax, ymax]: the
-- tiles and intensity cells to redo.
ALTER TABLE feature_edits ADD COLUMN box_before float8[], ADD COLUMN box_after float8[];
CREATE INDEX feature_edits_revision_idx ON feature_edits (layer_id, revision);

-- One row per tile: a tile re-rendered after an edit replaces its row with the edit's
-- revision, while the untouched rows keep the revision of the full pre-render. An empty
-- `mvt` says the tile became empty at that revision.
ALTER TABLE tile_store DROP CONSTRAINT tile_store_pkey, ADD PRIMARY KEY (layer_id, z, x, y);
