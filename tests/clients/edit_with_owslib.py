"""Parts 3 and 4 through OWSLib, as a GIS script would use the atlas: a CQL2 filter; create, read back, replace
(PUT), patch (JSON Merge Patch: OWSLib has no PATCH, so requests, which OWSLib itself uses),
a stale If-Match refused with 412, delete; and the history of the feature's edits.

Usage: edit_with_owslib.py URL TOKEN
"""
import json
import sys

import requests
from owslib.ogcapi.features import Features

url, token = sys.argv[1].rstrip("/"), sys.argv[2]
auth = {"Authorization": f"Bearer {token}"}
layer = "cm-waste-sites"

api = Features(url, headers=dict(auth))
conforms = api.conformance()["conformsTo"]
for cls in ("create-replace-delete", "update", "optimistic-locking-etags"):
    assert f"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/{cls}" in conforms, cls
before = api.collection_items(layer, limit=1000)["numberMatched"]

# Part 3: a CQL2 filter read through OWSLib (the server evaluates it; a value with a quote is a value).
landfills = api.collection_items(layer, filter="name LIKE '%landfill%' AND S_INTERSECTS(geometry, BBOX(98, 18, 100, 20))")
assert landfills["numberMatched"] == len(landfills["features"]) >= 1, landfills
assert all("landfill" in f["properties"]["name"] for f in landfills["features"]), landfills
assert api.collection_items(layer, filter="name = 'x'' OR 1=1 --'")["numberMatched"] == 0

site = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [98.95, 18.80]},
        "properties": {"name": "OWSLib transfer station", "status": "planned"}}
assert api.collection_item_create(layer, site)
location = api.response_headers["Location"]
fid = location.rsplit("/", 1)[1]
read = api.collection_item(layer, fid)
assert read["properties"]["name"] == "OWSLib transfer station", read
assert api.collection_items(layer, limit=1000)["numberMatched"] == before + 1

site["properties"]["name"] = "OWSLib transfer station (moved)"
site["geometry"]["coordinates"] = [98.951, 18.801]
assert api.collection_item_update(layer, fid, json.dumps(site))
read = api.collection_item(layer, fid)
assert read["properties"]["name"].endswith("(moved)") and read["geometry"]["coordinates"] == [98.951, 18.801], read

item = f"{url}/collections/{layer}/items/{fid}"
etag = requests.get(item, timeout=30).headers["ETag"]
patch = {"properties": {"status": "approved", "name": None}}
r = requests.patch(item, json=patch, headers={**auth, "If-Match": etag, "Content-Type": "application/merge-patch+json"}, timeout=30)
assert r.status_code == 200, r.text
def set_(props):
    return {k: v for k, v in props.items() if v is not None}


assert set_(r.json()["properties"]) == {"status": "approved"}, r.text
stale = requests.put(item, json=site, headers={**auth, "If-Match": etag}, timeout=30)
assert stale.status_code == 412 and stale.headers["ETag"] == r.headers["ETag"], stale.text
assert set_(api.collection_item(layer, fid)["properties"]) == {"status": "approved"}, "the stale write stored nothing"

# Without a token: refused (with requests: OWSLib 0.35 shares one headers dict between all its
# instances, so a second Features object would carry the first one's token).
assert requests.delete(item, timeout=30).status_code == 401
assert api.collection_item_delete(layer, fid)
assert requests.get(item, timeout=30).status_code == 404
assert requests.get(f"{item}/history", timeout=30).status_code == 404, "the history is for the city's members"
history = requests.get(f"{item}/history", headers=auth, timeout=30).json()["edits"]
assert [e["action"] for e in history] == ["delete", "update", "replace", "create"], history
print(f"OWSLib: created, replaced, patched and deleted feature {fid} of {layer}; a stale write got 412")
