-- The core schema: cities, the layer catalog, features and projects.
-- Later migrations extend these tables; they never replace them.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE cities (
    slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        text NOT NULL CHECK (name <> ''),
    name_local  text,
    country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    role        text NOT NULL,
    centre      geometry(Point, 4326) NOT NULL,
    approximate boolean NOT NULL DEFAULT false,
    source      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Vocabularies are text with CHECK constraints rather than enum types: adding a word is a
-- one-line migration, and the words match nexus-core's serde names exactly.
CREATE TABLE layers (
    id             text PRIMARY KEY CHECK (id ~ '^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$' AND length(id) <= 48),
    title          text NOT NULL CHECK (title <> ''),
    description    text,
    kind           text NOT NULL CHECK (kind IN ('waterway', 'water_body', 'treatment_plant', 'waste_site',
                       'heritage_zone', 'project_footprint', 'energy_facility', 'farmland', 'settlement',
                       'boundary', 'road', 'land_use', 'place', 'other')),
    sectors        text[] NOT NULL DEFAULT '{}'
                       CHECK (sectors <@ ARRAY['water', 'energy', 'food', 'waste', 'land']),
    city           text REFERENCES cities (slug) ON UPDATE CASCADE,
    source         text,
    licence        text,
    attribution    text,
    approximate    boolean NOT NULL DEFAULT false,
    visibility     text NOT NULL DEFAULT 'draft' CHECK (visibility IN ('public', 'draft')),
    geometry_type  text CHECK (geometry_type IN ('point', 'line', 'polygon')),
    bounds         geometry(Polygon, 4326),
    feature_count  bigint NOT NULL DEFAULT 0 CHECK (feature_count >= 0),
    -- Bumped by every change to the layer's data; tile caches and URLs key on it.
    revision       bigint NOT NULL DEFAULT 0 CHECK (revision >= 0),
    minzoom        smallint NOT NULL DEFAULT 0 CHECK (minzoom BETWEEN 0 AND 24),
    maxzoom        smallint NOT NULL DEFAULT 22 CHECK (maxzoom BETWEEN 0 AND 24),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (minzoom <= maxzoom)
);
CREATE INDEX layers_city_idx ON layers (city);

-- One partition per layer (created by nexus-store when a layer first gets data), so each
-- layer has its own GiST indexes and a replace can swap a whole partition in one step.
CREATE TABLE features (
    layer_id    text NOT NULL REFERENCES layers (id) ON DELETE CASCADE,
    fid         bigint NOT NULL CHECK (fid >= 0),
    geom        geometry(Geometry, 4326) NOT NULL,
    -- Stored web-mercator copy so tiles never reproject at request time.
    geom_3857   geometry(Geometry, 3857) NOT NULL,
    properties  jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(properties) = 'object'),
    PRIMARY KEY (layer_id, fid)
) PARTITION BY LIST (layer_id);
CREATE INDEX features_geom_idx ON features USING gist (geom);
CREATE INDEX features_geom_3857_idx ON features USING gist (geom_3857);

CREATE TABLE projects (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    city               text NOT NULL REFERENCES cities (slug) ON UPDATE CASCADE,
    title              text NOT NULL CHECK (title <> ''),
    title_local        text,
    description        text,
    description_local  text,
    sectors            text[] NOT NULL
                           CHECK (cardinality(sectors) >= 1
                                  AND sectors <@ ARRAY['water', 'energy', 'food', 'waste', 'land']),
    dimensions         text[] NOT NULL DEFAULT '{}'
                           CHECK (dimensions <@ ARRAY['governance', 'inclusive_decision_making', 'urban_planning',
                                                      'finance_business', 'science_technology_innovation']),
    status             text NOT NULL CHECK (status IN ('idea', 'planned', 'under_construction', 'completed')),
    budget             numeric(20, 2) CHECK (budget >= 0),
    currency           text CHECK (currency ~ '^[A-Z]{3}$'),
    start_date         date,
    end_date           date,
    partners           text[] NOT NULL DEFAULT '{}',
    source             text,
    approximate        boolean NOT NULL DEFAULT false,
    visibility         text NOT NULL DEFAULT 'draft' CHECK (visibility IN ('public', 'draft')),
    geom               geometry(Geometry, 4326),
    geom_3857          geometry(Geometry, 3857),
    revision           bigint NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
    CHECK ((budget IS NULL) = (currency IS NULL)),
    CHECK ((geom IS NULL) = (geom_3857 IS NULL))
);
CREATE INDEX projects_city_idx ON projects (city);
CREATE INDEX projects_geom_idx ON projects USING gist (geom);
CREATE INDEX projects_geom_3857_idx ON projects USING gist (geom_3857);
