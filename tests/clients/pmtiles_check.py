"""The archive `nexus export-tiles` wrote, opened by readers no one here wrote: the `pmtiles`
package (the reference Python reader: header, metadata, every tile through the directories)
and GDAL 3.12's PMTiles driver (bundled by pyogrio: a layer's features). The archive must hold
the server's public layers and nothing else, every tile it counts, identical tiles once, and at
its deepest zoom the same named features as the live OGC API.

Usage: pmtiles_check.py ARCHIVE URL LAYER
"""
import gzip
import json
import sys
import urllib.request

import pyogrio
from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import Compression, TileType

path, url, layer = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]


def get(p):
    req = urllib.request.Request(url + p, headers={"Accept": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


api_layers = get("/api/layers")
with open(path, "rb") as f:
    reader = Reader(MmapSource(f))
    header, meta = reader.header(), reader.metadata()
    assert header["tile_type"] == TileType.MVT and header["tile_compression"] == Compression.GZIP, header
    assert header["clustered"], "tiles are in tile-id order"
    ids = [v["id"] for v in meta["vector_layers"]]
    public = sorted(l["id"] for l in api_layers if l["visibility"] == "public" and l["feature_count"] > 0)
    assert sorted(ids) == public, (ids, public)
    tiles, contents = 0, set()
    for (z, x, y), data in all_tiles(reader.get_bytes):
        assert header["min_zoom"] <= z <= header["max_zoom"], (z, x, y)
        assert len(gzip.decompress(data)) > 0, (z, x, y)
        tiles += 1
        contents.add(data)
    assert tiles == header["addressed_tiles_count"], (tiles, header)
    assert len(contents) == header["tile_contents_count"] < tiles, (len(contents), header)

# GDAL reads the deepest zoom: each feature is there (cut along tile edges, so once or more).
# It takes each layer's geometry from the metadata's tilestats (without them it opens tiles to
# guess, for up to two seconds a layer).
kinds = {"point": "MultiPoint", "line": "MultiLineString", "polygon": "MultiPolygon"}
declared = {l["id"]: kinds[l["geometry_type"]] for l in api_layers if l["id"] in ids and l.get("geometry_type")}
assert {s["layer"] for s in meta["tilestats"]["layers"]} == set(ids), meta["tilestats"]
gdal_layers = {name: kind for name, kind in pyogrio.list_layers(path)}
assert sorted(gdal_layers) == sorted(ids)
assert declared and all(gdal_layers[k] == v for k, v in declared.items()), (gdal_layers, declared)
seen = pyogrio.read_dataframe(path, layer=layer, columns=["name"], read_geometry=False)
live = get(f"/collections/{layer}/items?limit=10000")["features"]
names = {f["properties"].get("name") for f in live} - {None}
assert names and set(seen["name"].dropna()) == names, (sorted(names), sorted(set(seen["name"])))
print(
    f"pmtiles {header['addressed_tiles_count']} tiles ({header['tile_contents_count']} stored), "
    f"zooms {header['min_zoom']}-{header['max_zoom']}, {len(ids)} layers; GDAL "
    f"{pyogrio.__gdal_version_string__} reads {layer}'s {len(names)} named features as the API has them"
)
