"""Two `nexus serve` instances on one primary with a streaming replica (scripts/test-scale sets
them up): what the issue's "Done when" asks, checked from outside with HTTP only.

- a project saved through A is in B's items and B's tiles within 1 s, and at once for a client
  that brings back A's WAL position (read-your-writes);
- B's tile renders ran on the replica (its /health counts the replica's reads);
- a layer's new revision is pre-rendered once between the two instances;
- killing A leaves B serving; stopping the replica sends B's reads to the primary, no 5xx.
"""
import argparse
import json
import math
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

ap = argparse.ArgumentParser()
for flag in ("--token", "--home", "--bin", "--a", "--a-pid", "--b", "--replica-admin"):
    ap.add_argument(flag, required=True)
ap.add_argument("--logs", nargs=2, required=True)
args = ap.parse_args()
A, B = args.a, args.b


def call(base, path, method="GET", body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    if body is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"{z}/{x}/{y}"


def within(seconds, what, test):
    deadline = time.monotonic() + seconds
    while True:
        if test():
            return time.monotonic() - (deadline - seconds)
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.02)


def on_replica(sql):
    subprocess.run(["psql", "-qAt", args.replica_admin, "-c", sql], check=True, capture_output=True)


def health(base):
    status, _, body = call(base, "/health")
    assert status == 200, (base, status, body)
    return json.loads(body)


planner = {"authorization": f"Bearer {args.token}"}
lon, lat = 98.9712, 18.8123
tile = f"/tiles/projects/{tile_of(lon, lat, 16)}.mvt"
status, _, _ = call(B, tile)
assert status == 204, f"the project's tile is empty before it exists (got {status})"

# Saved through A while the replica's replay is paused (a replica far behind): at once for the
# saving client's WAL position, within 1 s for everyone, and never from the stale replica.
on_replica("SELECT pg_wal_replay_pause()")
project = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [lon, lat]},
    "properties": {"city": "chiang-mai", "title": "Scale-out transfer station", "sectors": ["waste"],
                   "status": "idea", "visibility": "public"},
}
status, headers, body = call(A, "/api/projects", "POST", project, planner)
assert status == 201, (status, body)
slug = json.loads(body)["slug"]
wal = {k.lower(): v for k, v in headers.items()}.get("nexus-wal")
assert wal and wal.isdigit(), f"a write answers with its WAL position: {headers}"
status, _, body = call(B, f"/collections/projects/items?slug={slug}", headers={"nexus-read-after": wal})
assert status == 200 and json.loads(body)["numberReturned"] == 1, "read-your-writes through the other instance"
took_items = within(1.0, "B's items show the new project", lambda: json.loads(
    call(B, f"/collections/projects/items?slug={slug}")[2])["numberReturned"] == 1)
took_tile = within(1.0, "B's tile shows the new project", lambda: call(B, tile)[0] == 200)

# An edit through A: B's items show the new title within 1 s.
project["properties"]["title"] = "Scale-out sorting station"
status, _, body = call(A, f"/api/projects/{slug}", "PUT", project, planner)
assert status == 200, (status, body)
took_edit = within(1.0, "B's items show the edit", lambda: b"Scale-out sorting station" in call(
    B, f"/collections/projects/items?slug={slug}")[2])

# Replay again: once the replica has caught up, B's cold tiles are drawn on it.
on_replica("SELECT pg_wal_replay_resume()")
status, headers, _ = call(A, f"/api/projects/{slug}", "PUT", project, planner)
wal = int({k.lower(): v for k, v in headers.items()}["nexus-wal"])
within(10.0, "the replica replays past the edits", lambda: health(B)["reads"]["replicas"][0]["replayed"] >= wal)
time.sleep(0.3)
before = health(B)["reads"]["replicas"][0]["reads"]
for z in (13, 14):
    z_, x0, y0 = map(int, tile_of(98.98, 18.79, z).split("/"))
    for dx in range(3):
        status, _, _ = call(B, f"/tiles/cm-tambon/{z}/{x0 + dx}/{y0}.mvt")
        assert status in (200, 204), status
after = health(B)["reads"]
assert after["replicas"][0]["healthy"], after
assert after["replicas"][0]["reads"] >= before + 6, f"B's tile renders ran on the replica: {before} -> {after}"

# A new layer revision, heard by both instances: pre-rendered once.
zones = os.path.join(os.path.dirname(__file__), "..", "fixtures", "ingest", "zones.geojson")
subprocess.run([args.bin, "--home", args.home, "ingest", zones, "--layer", "scale-zones", "--visibility", "public"],
               check=True, capture_output=True)
within(30.0, "scale-zones is pre-rendered", lambda: json.loads(
    call(B, "/api/layers/scale-zones")[2]).get("prerendered_revision") is not None)
time.sleep(1.0)
renders = sum(len(re.findall(r"pre-rendered low zooms.*scale-zones|scale-zones.*pre-rendered low zooms",
                             open(log, encoding="utf-8", errors="replace").read())) for log in args.logs)
assert renders == 1, f"one revision is pre-rendered once between the two instances, not {renders} times"

# Killing A leaves B serving.
os.kill(int(args.a_pid), signal.SIGKILL)
for path in ("/collections", f"/collections/projects/items?slug={slug}", tile):
    status, _, _ = call(B, path)
    assert status == 200, (path, status)

# Stopping the replica sends B's reads to the primary, with no 5xx.
subprocess.run([args.bin, "--home", args.home, "db", "replica", "stop"], check=True, capture_output=True)
primary_before = health(B)["reads"]["primary"]
statuses = []
_, x15, y15 = map(int, tile_of(98.98, 18.79, 15).split("/"))
for i in range(40):
    for path in (f"/collections/cm-tambon/items?limit=5&offset={i}", f"/tiles/cm-tambon/15/{x15 + i - 20}/{y15}.mvt"):
        statuses.append(call(B, path)[0])
assert all(s < 500 for s in statuses), f"no 5xx once the replica stopped: {sorted(set(statuses))}"
reads = health(B)["reads"]
assert not reads["replicas"][0]["healthy"] and reads["primary"] > primary_before, reads

print(f"scale: B saw A's new project in {took_items * 1000:.0f} ms (items) and {took_tile * 1000:.0f} ms (tiles), "
      f"its edit in {took_edit * 1000:.0f} ms, and at once with A's WAL position; B's tiles ran on the replica; "
      f"one pre-render of a revision between two instances; B served on after A was killed and the replica stopped")
