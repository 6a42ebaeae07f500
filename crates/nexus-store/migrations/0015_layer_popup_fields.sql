-- The fields a click on a feature shows, in this order (issue 17, finding 8): a layer from
-- KML or a survey carries many fields that mean nothing to a reader. NULL: every field.
ALTER TABLE layers ADD COLUMN popup_fields text[]
    CHECK (popup_fields IS NULL OR (cardinality(popup_fields) BETWEEN 1 AND 50 AND array_position(popup_fields, '') IS NULL));
