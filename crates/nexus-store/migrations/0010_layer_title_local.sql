-- A layer's title in its city's language (Thai for Chiang Mai), shown when the map is.
ALTER TABLE layers ADD COLUMN title_local text CHECK (title_local IS NULL OR title_local <> '');
