"""The base map of Asia from Natural Earth (data/base/)."""
import gzip
import json
import os
import tempfile

from .common import *  # noqa: F401,F403 (the builders share the helpers and credits)


def natural_earth():
    """The base map of Asia for the low zooms: land, countries, coastlines, lakes and major
    rivers, clipped to the partner cities' part of the world and simplified to about 1 km
    (tiles to zoom 6, drawn to zoom 8; the cities' own layers take over from there)."""
    out = os.path.join(DATA, "base")
    os.makedirs(out, exist_ok=True)
    layers = [
        # file, source, SQL (OGR dialect) or None, simplify (degrees), id, title, kind, sectors, description
        ("land", "ne_10m_land", "SELECT featurecla FROM \"ne_10m_land.geojson\"", "0.01", "base-land", "Land", "land", "land",
         "Land masses of Asia, the ground the base map is drawn on."),
        ("countries", "ne_50m_admin_0_countries",
         "SELECT NAME AS name, NAME_LONG AS name_long, ISO_A3 AS iso_a3 FROM \"ne_50m_admin_0_countries.geojson\"",
         "0.01", "base-countries", "Countries", "boundary", "land", "Countries of Asia, with their names."),
        ("coastline", "ne_10m_coastline", "SELECT featurecla FROM \"ne_10m_coastline.geojson\"", "0.01", "base-coastline",
         "Coastlines", "boundary", "land", "Coastlines of Asia."),
        ("lakes", "ne_10m_lakes", "SELECT name, featurecla FROM \"ne_10m_lakes.geojson\" WHERE scalerank <= 6", "0.01",
         "base-lakes", "Major lakes", "water_body", "water", "Major lakes and reservoirs of Asia."),
        ("rivers", "ne_10m_rivers_lake_centerlines",
         "SELECT name, name_en, featurecla FROM \"ne_10m_rivers_lake_centerlines.geojson\" WHERE scalerank <= 6", "0.01",
         "base-rivers", "Major rivers", "waterway", "water", "Major rivers of Asia."),
    ]
    for name, src, sql, tolerance, layer_id, title, kind, sector, description in layers:
        with tempfile.TemporaryDirectory() as tmp:
            dst = os.path.join(tmp, f"{name}.geojson")
            ogr("-f", "GeoJSON", dst, f"/vsigzip/{os.path.join(SHARED, 'natural_earth', src + '.geojson.gz')}",
                "-dialect", "OGRSQL", "-sql", sql, "-clipsrc", *ASIA, "-simplify", tolerance, "-nln", name,
                "-lco", "COORDINATE_PRECISION=4", "-lco", "RFC7946=YES", "-skipfailures")
            with open(dst, encoding="utf-8") as f:
                collection = json.load(f)
            # Clipping leaves some features without geometry (and Natural Earth has a river
            # without one): they carry nothing to draw.
            collection["features"] = [f for f in collection["features"] if f.get("geometry")]
            with gzip.GzipFile(os.path.join(out, f"{name}.geojson.gz"), "wb", 9, mtime=0) as z:
                z.write(json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode())
        write_text(os.path.join(out, f"{name}.nexus.toml"), f'''id = "{layer_id}"

[meta]
title = "{title}"
description = "{description} Clipped to 55-150 E, 15 S-60 N and simplified to about 1 km: a base map for the overview, not for measuring."
kind = "{kind}"
sectors = ["{sector}"]
basemap = true
maxzoom = 6
source = "{NE}"
licence = "public domain"
attribution = "Made with Natural Earth"
visibility = "public"
''')
