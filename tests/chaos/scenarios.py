"""The chaos scenarios of issue 14. Each returns its figures and the promises it checked
(`(promise, held)` pairs); nothing here decides whether the run passes but those checks."""

import asyncio
import gzip
import json
import math
import os
import random
import resource
import subprocess
import time

import http_client as http
from http_client import ABORTED, Conn, Prober, percentile

HOST = "127.0.0.1"


def tile(lon, lat, z):
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    lat = max(min(lat, 85.0), -85.0)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return z, min(max(x, 0), n - 1), min(max(y, 0), n - 1)


class Mix:
    """Anonymous traffic of every heavy and light kind, over the atlas's own layers."""

    def __init__(self, layers, rng):
        self.layers, self.rng = layers, rng

    def _centre(self, layer):
        w, s, e, n = layer["bounds"]
        return self.rng.uniform(w, e), self.rng.uniform(s, n)

    def pick(self):
        r, rng = self.rng.random(), self.rng
        layer = rng.choice(self.layers)
        lon, lat = self._centre(layer)
        if r < 0.55:
            z, x, y = tile(lon, lat, rng.randint(0, 16))
            return "tile", "GET", f"/tiles/{layer['id']}/{z}/{x}/{y}.mvt", None
        if r < 0.65:
            ids = ",".join(sorted({l["id"] for l in rng.sample(self.layers, min(3, len(self.layers)))}))
            z, x, y = tile(lon, lat, rng.randint(4, 14))
            return "composite", "GET", f"/tiles/{ids}/{z}/{x}/{y}.mvt", None
        if r < 0.82:
            d = rng.choice([0.01, 0.05, 0.2])
            q = f"limit={rng.choice([10, 50, 100])}&bbox={lon - d:.4f},{lat - d:.4f},{lon + d:.4f},{lat + d:.4f}"
            return "items", "GET", f"/collections/{layer['id']}/items?{q}", None
        if r < 0.92:
            body = json.dumps({
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "kind": rng.choice(["waste_site", "treatment_plant", "waterway", "energy_facility"]),
                "sectors": [rng.choice(["waste", "water", "energy"])],
                "city": layer.get("city") or "chiang-mai",
            }).encode()
            return "what-if", "POST", "/api/nexus/evaluate", body
        return "export", "GET", f"/export/{layer['id']}.geojson", None


async def drive(mix, conns, seconds, on_result):
    """`conns` connections sending `mix` for `seconds`."""
    deadline = time.monotonic() + seconds

    async def one(i):
        # Clients come from many addresses (all of 127/8 is this machine): one address would
        # meet the per-client share of heavy requests and test only the refusals.
        conn = Conn(HOST, mix.port, source=f"127.0.{1 + i // 250}.{1 + i % 250}")
        while time.monotonic() < deadline:
            kind, method, path, body = mix.pick()
            headers = {"Content-Type": "application/json"} if body else {}
            status, _, took = await conn.request(method, path, body, headers)
            on_result(kind, status, took, time.monotonic())
        await conn.close()

    await asyncio.gather(*(one(i) for i in range(conns)))


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))


def points_file(path, n, seed):
    rng = random.Random(seed)
    with gzip.open(path, "wt", compresslevel=1) as f:
        f.write('{"type":"FeatureCollection","features":[')
        for i in range(n):
            if i:
                f.write(",")
            lon, lat = 98.9 + rng.random() * 0.2, 18.7 + rng.random() * 0.2
            f.write(f'{{"type":"Feature","properties":{{"n":{i},"name":"point {i}"}},'
                    f'"geometry":{{"type":"Point","coordinates":[{lon:.6f},{lat:.6f}]}}}}')
        f.write("]}")


def ingest_kills(atlas, rounds=5, points=300_000):
    """An ingest killed without warning at random moments leaves the database as it was."""
    path = os.path.join(atlas.work, "points.geojson.gz")
    points_file(path, points, 7)
    # How long a whole ingest takes here (a dry run does all of it, then rolls back).
    started = time.monotonic()
    atlas.run("ingest", path, "--layer", "chaos-kill", "--dry-run")
    whole = time.monotonic() - started
    committed = "SELECT count(*) FROM layer_ingests WHERE layer_id = 'chaos-kill'"
    rng = random.Random(11)
    moments, completed, same = [], 0, True
    before = atlas.fingerprint()
    # A busy machine makes ingests slower or faster than the dry run said: one that finished
    # before its kill is counted apart (and becomes the new "before"), until five were killed.
    while len(moments) < rounds and completed < rounds:
        loads = atlas.sql(committed)
        child = subprocess.Popen([atlas.nexus, "ingest", path, "--layer", "chaos-kill"], env=atlas.env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        moment = rng.uniform(0.05, 0.7) * whole
        time.sleep(moment)
        child.kill()
        child.wait()
        # PostgreSQL notices the dead client and rolls its transaction back.
        for _ in range(200):
            if atlas.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nexus-atlas' "
                         "AND pid <> pg_backend_pid()") == "0":
                break
            time.sleep(0.05)
        if atlas.sql(committed) != loads:
            completed += 1
            before = atlas.fingerprint()
            continue
        moments.append(round(moment, 2))
        same = same and atlas.fingerprint() == before
    left = len(atlas.scratch_folders())
    figures = {"kills": len(moments), "finished_before_their_kill": completed, "whole_ingest_s": round(whole, 2),
               "killed_at_s": moments, "leftover_folders_before_start": left}
    checks = [("database fingerprint unchanged after every kill", same),
              (f"{rounds} ingests killed before they finished", len(moments) == rounds)]
    return figures, checks


async def idle_sockets(atlas, n=1000, header_timeout=10.0):
    """Sockets that never finish their headers are closed in time; /health stays quick."""
    raise_fd_limit(n + 512)
    prober = Prober(HOST, atlas.port, every=0.05)
    probe = asyncio.ensure_future(prober.run())
    socks = []
    for i in range(n):
        reader, writer = await asyncio.open_connection(HOST, atlas.port)
        if i % 2:
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        socks.append((reader, writer))
    opened = time.monotonic()

    async def closed(reader):
        try:
            await asyncio.wait_for(reader.read(), header_timeout + 10)
            return time.monotonic() - opened
        except (asyncio.TimeoutError, OSError):
            return float("inf")

    times = await asyncio.gather(*(closed(r) for r, _ in socks))
    prober.stop()
    await probe
    for _, w in socks:
        w.close()
    worst = max(times)
    figures = {"sockets": n, "all_closed_after_s": round(worst, 2), "health_p99_ms": round(prober.p99(), 1),
               "health_probes": len(prober.latencies)}
    checks = [(f"{n} idle sockets closed within the header timeout ({header_timeout:.0f} s + 1 s)",
               worst <= header_timeout + 1.0),
              ("/health p99 < 100 ms meanwhile", prober.p99() < 100.0)]
    return figures, checks


async def listener_cut(atlas, layer):
    """A layer made a draft around a cut of the change listener is never served anonymously."""
    terminate = ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                 "WHERE datname = current_database() AND query LIKE 'LISTEN %'")
    draft = f"UPDATE layers SET visibility = 'draft' WHERE id = '{layer}'"
    paths = [f"/tiles/{layer}.json", f"/tiles/{layer}/0/0/0.mvt", f"/collections/{layer}/items?limit=5"]
    served, polls, leaks = 0, 0, []
    for order in ("cut, then draft", "draft, then cut") * 2:
        atlas.sql(f"UPDATE layers SET visibility = 'public' WHERE id = '{layer}'")
        await asyncio.sleep(1.5)
        status, _, _ = await http.get(HOST, atlas.port, paths[0])
        assert status == 200, f"{layer} should be public before the cut: {status}"
        # Two separate commands: the draft is committed (and answered) before the cut, or
        # the cut is made before the draft is committed.
        first, second = (terminate, draft) if order == "cut, then draft" else (draft, terminate)
        atlas.sql(first)
        atlas.sql(second)
        changed = time.monotonic()
        while time.monotonic() < changed + 2.0:
            for p in paths:
                status, _, _ = await http.get(HOST, atlas.port, p)
                polls += 1
                if status == 200:
                    served += 1
                    leaks.append(f"{order}: {p} at {1000 * (time.monotonic() - changed):.0f} ms")
    atlas.sql(f"UPDATE layers SET visibility = 'public' WHERE id = '{layer}'")
    figures = {"layer": layer, "anonymous_polls": polls, "draft_served": served, "leaks": leaks[:10]}
    return figures, [("a draft is never served after the listener is cut", served == 0)]


async def mixed_load(atlas, layers, conns=256, seconds=60):
    """Anonymous traffic of every kind: no 5xx, /health quick, memory bounded."""
    raise_fd_limit(conns + 512)
    mix = Mix(layers, random.Random(3))
    mix.port = atlas.port
    counts, kinds, latencies = {}, {}, []
    rss_peak = [0.0]

    def on_result(kind, status, took, _at):
        counts[status // 100] = counts.get(status // 100, 0) + 1
        kinds.setdefault(kind, {}).setdefault(status, 0)
        kinds[kind][status] += 1
        latencies.append(took * 1000)

    async def sample_memory():
        while True:
            rss_peak[0] = max(rss_peak[0], atlas.rss_mb()[0])
            await asyncio.sleep(0.5)

    prober = Prober(HOST, atlas.port, every=0.1)
    probe = asyncio.ensure_future(prober.run())
    memory = asyncio.ensure_future(sample_memory())
    started = time.monotonic()
    await drive(mix, conns, seconds, on_result)
    elapsed = time.monotonic() - started
    prober.stop()
    await probe
    memory.cancel()
    total = sum(counts.values())
    # A failed connection or a body cut off counts as a server failure too.
    five = counts.get(5, 0) + counts.get(0, 0) + sum(v for k, v in counts.items() if k >= ABORTED // 100)
    figures = {
        "connections": conns, "seconds": round(elapsed, 1), "requests": total,
        "requests_per_s": round(total / elapsed, 1), "by_class": {f"{k}xx": v for k, v in sorted(counts.items())},
        "by_kind": kinds, "p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1),
        "health_p99_ms": round(prober.p99(), 1), "server_rss_peak_mb": round(rss_peak[0], 1),
    }
    checks = [("zero 5xx (and no failed or cut-off answer) under mixed load", five == 0),
              ("/health p99 < 100 ms under load", prober.p99() < 100.0),
              ("server memory stays under 1 GiB", rss_peak[0] < 1024)]
    return figures, checks


async def database_restart(atlas, layers, conns=32, down_s=3.0):
    """PostgreSQL stopped and started under load: only 503 while down, back within 5 s."""
    mix = Mix(layers, random.Random(5))
    mix.port = atlas.port
    marks = {}
    during, after = {}, []

    def on_result(kind, status, took, at):
        if "stopped" in marks and "started" not in marks:
            key = f"{kind} {status - ABORTED} cut off" if status > ABORTED else f"{kind} {status}"
            during[key] = during.get(key, 0) + 1
        elif "started" in marks and status == 200 and kind != "tile":
            after.append(at)

    async def outage():
        await asyncio.sleep(4)
        marks["stopped"] = time.monotonic()
        await asyncio.to_thread(atlas.run, "db", "stop")
        await asyncio.sleep(down_s)
        await asyncio.to_thread(atlas.run, "db", "start")
        marks["started"] = time.monotonic()

    load = asyncio.ensure_future(drive(mix, conns, 4 + down_s + 12, on_result))
    await outage()
    health_back = None
    while health_back is None and time.monotonic() - marks["started"] < 30:
        status, _, _ = await http.get(HOST, atlas.port, "/health", timeout=5)
        if status == 200:
            health_back = time.monotonic() - marks["started"]
        else:
            await asyncio.sleep(0.05)
    await load
    # A download already under way when PostgreSQL stops is cut off (its 200 was sent): the
    # client sees an incomplete body, never a wrong answer.
    statuses = [(k.split()[0], int(k.split()[1]), k.endswith("cut off")) for k in during]
    bad = [s for kind, s, cut in statuses if (s >= 500 and s != 503) or s == 0 or (cut and kind != "export")]
    first_ok = min(after) - marks["started"] if after else float("inf")
    figures = {"down_s": down_s, "statuses_while_down": dict(sorted(during.items())),
               "health_back_after_s": round(health_back or float("inf"), 2),
               "first_database_answer_after_s": round(first_ok, 2)}
    checks = [("only 503 (never another 5xx) while PostgreSQL is down", not bad),
              ("recovered within 5 s of PostgreSQL's start", (health_back or 99) <= 5.0 and first_ok <= 5.0)]
    return figures, checks
