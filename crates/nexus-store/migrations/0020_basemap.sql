-- The base map: layers drawn beneath everything else (land, countries, coastlines, lakes and
-- rivers of Natural Earth), never inputs of the Nexus overlays; and the kind of their land.
ALTER TABLE layers ADD COLUMN basemap boolean NOT NULL DEFAULT false;

ALTER TABLE layers DROP CONSTRAINT layers_kind_check;
ALTER TABLE layers ADD CONSTRAINT layers_kind_check CHECK (kind IN ('waterway', 'water_body', 'treatment_plant',
    'waste_site', 'heritage_zone', 'project_footprint', 'energy_facility', 'farmland', 'settlement', 'boundary',
    'land', 'road', 'land_use', 'place', 'water_intake', 'outfall', 'airport', 'flood_zone', 'biogas_plant',
    'solar_farm', 'green_infrastructure', 'other'));
