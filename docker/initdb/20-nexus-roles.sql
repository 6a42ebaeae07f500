-- Least privilege (README: Least privilege): the superuser (POSTGRES_USER) only sets up. The
-- schema belongs to nexus_owner, which runs the migrations and schema changes; requests run as
-- nexus_app, which Nexus Atlas grants only reading and writing rows. Runs once, when the
-- volume is first initialised (after the image's own script has enabled PostGIS).
CREATE ROLE nexus_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD 'nexus-owner';
CREATE ROLE nexus_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD 'nexus-app';
CREATE EXTENSION IF NOT EXISTS postgis;
ALTER DATABASE nexus OWNER TO nexus_owner;
