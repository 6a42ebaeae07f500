"""Runs the chaos suite (see scripts/chaos) and prints what it measured; with --record, also
writes the figures into docs/RELIABILITY.md. Exits 1 when any promise did not hold."""

import argparse
import asyncio
import datetime
import json
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scenarios  # noqa: E402
from atlas import Atlas  # noqa: E402


def say(text):
    print(f"\033[1m==> {text}\033[0m", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nexus", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--record")
    ap.add_argument("--seconds", type=int, default=60)
    args = ap.parse_args()

    atlas = Atlas(args.nexus, args.work)
    results, checks = {}, []

    def keep(name, outcome):
        figures, promises = outcome
        results[name] = figures
        checks.extend(promises)
        print(json.dumps({name: figures}), flush=True)

    try:
        say("embedded PostGIS and the sample atlas")
        atlas.run("db", "start")
        atlas.run("load", args.data)
        say("ingests killed at random moments")
        keep("ingest_kills", scenarios.ingest_kills(atlas))
        atlas.start_server()
        left = len(atlas.scratch_folders())
        results["ingest_kills"]["leftover_folders_after_start"] = left
        checks.append(("no temporary leftovers after the next start", left == 0))
        layers = asyncio.run(atlas.layers())
        public = [l for l in layers if l.get("visibility") == "public" and not l["id"].startswith("nexus-")]
        say("the change listener cut around a draft")
        keep("listener_cut", asyncio.run(scenarios.listener_cut(atlas, public[0]["id"])))
        say("1,000 sockets that never finish their headers")
        keep("idle_sockets", asyncio.run(scenarios.idle_sockets(atlas)))
        say(f"256 connections of mixed anonymous traffic for {args.seconds} s")
        keep("mixed_load", asyncio.run(scenarios.mixed_load(atlas, public, seconds=args.seconds)))
        say("PostgreSQL stopped and started under load")
        keep("database_restart", asyncio.run(scenarios.database_restart(atlas, public)))
    finally:
        atlas.stop_server()
        log = os.path.join(args.work, "server.log")
        if os.path.exists(log):
            import shutil

            shutil.copy(log, "/var/tmp/nexus-chaos-server.log")

    failed = [p for p, held in checks if not held]
    for promise, held in checks:
        print(f"  {'ok  ' if held else 'FAIL'} {promise}")
    if args.record:
        record(args.record, results, checks)
    if failed:
        print(f"chaos: {len(failed)} promise(s) did not hold", file=sys.stderr)
        sys.exit(1)
    print("chaos: every promise held")


def record(path, results, checks):
    begin, end = "<!-- chaos:begin -->", "<!-- chaos:end -->"
    with open(path) as f:
        text = f.read()
    if begin not in text or end not in text:
        raise SystemExit(f"{path} has no {begin} … {end} block")
    lines = [begin, "",
             f"Measured {datetime.date.today().isoformat()} by `scripts/chaos --record` on {os.cpu_count()} cores "
             f"({platform.machine()}), debug build, the sample atlas of `data/`.", ""]
    lines += [f"- {'held' if held else 'FAILED'}: {promise}" for promise, held in checks]
    lines += ["", "| Scenario | Figures |", "|---|---|"]
    for name, figures in results.items():
        cells = "; ".join(f"{k}: {json.dumps(v, separators=(', ', ': '))}" for k, v in figures.items())
        lines.append(f"| {name.replace('_', ' ')} | {cells.replace('|', '/')} |")
    lines += ["", end]
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path, "w") as f:
        f.write(head + "\n".join(lines) + tail)


if __name__ == "__main__":
    main()
