-- The Nexus: more layer kinds for the interlinkage rules, a kind for projects, the rules
-- themselves (as data), and the record of what the overlays were computed from.

ALTER TABLE layers DROP CONSTRAINT layers_kind_check;
ALTER TABLE layers ADD CONSTRAINT layers_kind_check CHECK (kind IN ('waterway', 'water_body', 'treatment_plant',
    'waste_site', 'heritage_zone', 'project_footprint', 'energy_facility', 'farmland', 'settlement', 'boundary',
    'road', 'land_use', 'place', 'water_intake', 'outfall', 'airport', 'flood_zone', 'biogas_plant', 'solar_farm',
    'green_infrastructure', 'other'));

-- What a project builds, when it is a facility the rules know (a waste site, a biogas plant).
ALTER TABLE projects ADD COLUMN kind text CHECK (kind IN ('waterway', 'water_body', 'treatment_plant',
    'waste_site', 'heritage_zone', 'energy_facility', 'farmland', 'settlement', 'road', 'land_use', 'place',
    'water_intake', 'outfall', 'airport', 'flood_zone', 'biogas_plant', 'solar_farm', 'green_infrastructure',
    'other'));

-- The rule set, in order, each rule as nexus-core writes it; the grid settings beside it.
CREATE TABLE nexus_rules (
    position  integer PRIMARY KEY CHECK (position >= 0),
    id        text NOT NULL UNIQUE CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) <= 48),
    body      jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object')
);
CREATE TABLE nexus_settings (
    key    text PRIMARY KEY,
    value  jsonb NOT NULL
);

-- The inputs the stored overlays reflect: 'rules' -> a hash, 'layer:<id>' and
-- 'project:<slug>' -> the revision (and public or not) they had when the overlays last saw them.
CREATE TABLE nexus_inputs (
    source    text PRIMARY KEY,
    revision  bigint NOT NULL,
    public    boolean NOT NULL,
    digest    text
);

-- Link features get ids from here, so an incremental update never reuses a live id.
CREATE SEQUENCE nexus_link_fid;

CREATE FUNCTION nexus_notify_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nexus_changes', json_build_object('kind', 'rules')::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER nexus_rules_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON nexus_rules
    FOR EACH STATEMENT EXECUTE FUNCTION nexus_notify_rules();
