-- Stored tiles are kept as they are: their gzip copy cannot be compressed further, and
-- PostgreSQL's own compression of the plain copy cost a pre-render a tenth of its time (it
-- runs twice, into the staging table and into the store) and every read a decompression.
ALTER TABLE tile_store ALTER COLUMN mvt SET STORAGE EXTERNAL, ALTER COLUMN mvt_gzip SET STORAGE EXTERNAL;
