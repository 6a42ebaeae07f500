"""The atlas under test: the `nexus` binary on an embedded cluster of its own, its server, and
SQL through psql (the suite needs no Python packages)."""

import glob
import json
import os
import shutil
import socket
import subprocess
import time

import http_client as http


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql_path():
    found = shutil.which("psql")
    if found:
        return found
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True):
        return candidate
    raise SystemExit("psql is not installed (scripts/setup installs it)")


class Atlas:
    def __init__(self, nexus, work):
        self.nexus, self.work = nexus, work
        self.env = dict(os.environ, NEXUS_HOME=os.path.join(work, "home"), TMPDIR=os.path.join(work, "tmp"))
        self.env.pop("DATABASE_URL", None)
        self.env["NEXUS_LOG"] = "warn"
        os.makedirs(self.env["TMPDIR"], exist_ok=True)
        self.server = None
        self.port = None
        self.token = "chaos-" + os.urandom(8).hex()
        self._url = None

    def run(self, *args, timeout=600, check=True):
        out = subprocess.run([self.nexus, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and out.returncode != 0:
            raise SystemExit(f"nexus {' '.join(args)} failed: {out.stderr.strip()}")
        return out

    def url(self):
        if self._url is None:
            self._url = self.run("db", "url").stdout.strip()
        return self._url

    def sql(self, statement):
        out = subprocess.run(
            [psql_path(), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.url(), "-c", statement],
            capture_output=True, text=True, timeout=120,
        )
        if out.returncode != 0:
            raise SystemExit(f"psql failed: {out.stderr.strip()}")
        return out.stdout.strip()

    def fingerprint(self):
        """Every table's rows and every sequence, as digests (PostGIS's own table aside)."""
        tables = self.sql(
            "SELECT c.oid::regclass::text || ' ' || c.relkind::text FROM pg_class c "
            "WHERE c.relnamespace IN ('public'::regnamespace, 'nexus_history'::regnamespace) "
            "AND c.relkind IN ('r', 'S') AND c.relname <> 'spatial_ref_sys' ORDER BY 1"
        ).splitlines()
        parts = []
        for t in tables:
            name, kind = t.rsplit(" ", 1)
            if kind == "S":
                q = f"SELECT last_value::text || ' ' || is_called::text FROM {name}"
            else:
                q = f"SELECT count(*)::text || ' ' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {name} x"
            parts.append(f"{t} {self.sql(q)}")
        return parts

    def scratch_folders(self):
        return glob.glob(os.path.join(self.env["TMPDIR"], "nexus-scratch-*"))

    def start_server(self, *extra):
        self.port = free_port()
        log = open(os.path.join(self.work, "server.log"), "ab")
        self.server = subprocess.Popen(
            [self.nexus, "serve", "--bind", f"127.0.0.1:{self.port}", "--planner-token", self.token, *extra],
            env=self.env, stdout=log, stderr=log,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SystemExit(f"the server exited with {self.server.returncode}; see {log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /health HTTP/1.0\r\n\r\n")
                    if s.recv(64).split(b" ")[1:2] == [b"200"]:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("the server did not become healthy")

    def stop_server(self):
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(20)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None

    def rss_mb(self):
        """The server's resident memory now and at its peak, in MiB."""
        now = peak = 0
        with open(f"/proc/{self.server.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    now = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) / 1024
        return now, peak

    async def layers(self):
        status, body, _ = await http.get("127.0.0.1", self.port, "/tiles")
        assert status == 200, status
        return [s for s in json.loads(body)["sources"] if s.get("bounds")]
