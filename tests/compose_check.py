#!/usr/bin/env python3
"""Checks docker-compose.yml with a real Compose parser (no Docker engine needed).

`docker-compose config` (Debian's docker-compose package) validates the file against the
Compose schema and prints it normalised; we then assert what the deployment relies on.
Exits non-zero with a message on the first problem.
"""
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(msg):
    print(f"docker-compose.yml: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    proc = subprocess.run(
        ["docker-compose", "-f", os.path.join(ROOT, "docker-compose.yml"), "--profile", "replica", "config"],
        capture_output=True, text=True, cwd=ROOT,
    )
    if proc.returncode != 0:
        fail(f"docker-compose config rejected it: {proc.stderr.strip()}")
    cfg = yaml.safe_load(proc.stdout)
    services = cfg.get("services", {})
    for name in ("db", "app"):
        if name not in services:
            fail(f"service '{name}' is missing")
    db, app = services["db"], services["app"]

    image = db.get("image", "")
    if not re.fullmatch(r"postgis/postgis:15-3\.\d+", image):
        fail(f"db image must be a pinned postgis/postgis:15-3.x tag, got '{image}'")
    test = (db.get("healthcheck") or {}).get("test")
    if not test or "pg_isready" not in " ".join(test if isinstance(test, list) else [test]):
        fail("db needs a pg_isready health check")
    mounts = db.get("volumes") or []
    def is_data_volume(m):
        # Compose v1 prints "source:target:mode" strings; v2 prints long-form dicts.
        if isinstance(m, dict):
            return m.get("type") == "volume" and m.get("source") == "pgdata" and m.get("target") == "/var/lib/postgresql/data"
        parts = str(m).split(":")
        return parts[0] == "pgdata" and len(parts) > 1 and parts[1] == "/var/lib/postgresql/data"
    if not any(is_data_volume(m) for m in mounts):
        fail("db data must live on a named volume at /var/lib/postgresql/data")
    if "pgdata" not in (cfg.get("volumes") or {}):
        fail("volume 'pgdata' must be declared")

    build = app.get("build") or {}
    dockerfile = os.path.join(build.get("context", ROOT), build.get("dockerfile", "Dockerfile"))
    if not os.path.isfile(dockerfile):
        fail(f"app builds from {dockerfile}, which does not exist")
    env = app.get("environment") or {}
    if not str(env.get("DATABASE_URL", "")).startswith("postgres://") or "@db:" not in env["DATABASE_URL"]:
        fail("app must reach the db service through DATABASE_URL")
    # Least privilege: requests run as a role of their own, made by the init script, and
    # neither role is the superuser.
    app_url = str(env.get("DATABASE_APP_URL", ""))
    if not app_url.startswith("postgres://") or "@db:" not in app_url:
        fail("app must run requests as their own role through DATABASE_APP_URL")
    user_of = lambda url: url.split("://", 1)[1].split(":", 1)[0]
    owner_user, app_user = user_of(env["DATABASE_URL"]), user_of(app_url)
    superuser = str((db.get("environment") or {}).get("POSTGRES_USER", "postgres"))
    if len({owner_user, app_user, superuser}) != 3:
        fail(f"owner ({owner_user}), application ({app_user}) and superuser ({superuser}) must be three roles")
    init = [m for m in mounts if "docker-entrypoint-initdb.d" in str(m)]
    if not init:
        fail("db must mount the roles script into /docker-entrypoint-initdb.d")
    with open(os.path.join(ROOT, "docker", "initdb", "20-nexus-roles.sql"), encoding="utf-8") as f:
        script = f.read()
    for role in (owner_user, app_user):
        if f"CREATE ROLE {role} LOGIN NOSUPERUSER" not in script:
            fail(f"the roles script does not create {role} as a plain login role")
    if f"OWNER TO {owner_user}" not in script:
        fail(f"the roles script must give the database to {owner_user}")
    dep = (app.get("depends_on") or {}).get("db") or {}
    if dep.get("condition") != "service_healthy":
        fail("app must wait for the db health check (depends_on condition service_healthy)")

    check_replica(services, cfg, env)

    with open(dockerfile, encoding="utf-8") as f:
        froms = [l.split()[1] for l in f if l.startswith("FROM ")]
    for base in froms:
        if ":" not in base or base.endswith(":latest"):
            fail(f"Dockerfile base image '{base}' is not pinned")
    print(f"docker-compose.yml ok: db {image} (and db-replica in the 'replica' profile), app built from {os.path.relpath(dockerfile, ROOT)}")


def check_replica(services, cfg, app_env):
    """The `replica` profile: a streaming replica of db that the app can read from."""
    replica = services.get("db-replica")
    if replica is None:
        fail("service 'db-replica' (profile 'replica') is missing")
    if "replica" not in (replica.get("profiles") or []):
        fail("db-replica must only start with the 'replica' profile")
    if replica.get("image") != services["db"].get("image"):
        fail("db-replica must run the same image as db")
    entry = " ".join(replica.get("entrypoint") or [])
    script = os.path.join(ROOT, "docker", "replica-entrypoint.sh")
    if "replica-entrypoint.sh" not in entry or not os.path.isfile(script):
        fail("db-replica must start through docker/replica-entrypoint.sh")
    with open(script, encoding="utf-8") as f:
        text = f.read()
    if not re.search(r"pg_basebackup -h db .*-R", text):
        fail("the replica must be a base backup of db with replica settings (pg_basebackup -h db … -R)")
    with open(os.path.join(ROOT, "docker", "initdb", "30-replication.sh"), encoding="utf-8") as f:
        if "host replication" not in f.read():
            fail("db must accept replication logins (docker/initdb/30-replication.sh)")
    if "replicadata" not in (cfg.get("volumes") or {}):
        fail("volume 'replicadata' must be declared")
    dep = (replica.get("depends_on") or {}).get("db") or {}
    if dep.get("condition") != "service_healthy":
        fail("db-replica must wait for db's health check")
    if "DATABASE_READ_URLS" not in app_env:
        fail("app must take its replicas from DATABASE_READ_URLS")


if __name__ == "__main__":
    main()
