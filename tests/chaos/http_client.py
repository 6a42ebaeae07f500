"""A small asyncio HTTP/1.1 client with keep-alive, enough for load and probes: the standard
library has no asynchronous client, and the chaos suite must run with nothing installed."""

import asyncio
import json
import os
import sys
import time


# Added to the status of an answer whose body was cut off.
ABORTED = 1000


class Conn:
    """One keep-alive connection; reconnects after the server closes it."""

    def __init__(self, host, port, source=None):
        self.host, self.port, self.source = host, port, source
        self.reader = self.writer = None

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def request(self, method, path, body=None, headers=None, timeout=90.0):
        """Returns (status, body bytes, seconds): status 0 when no answer came, ABORTED + status
        when the answer began but its body was cut off (a download whose source died)."""
        started = time.monotonic()
        self._status = 0
        try:
            return await asyncio.wait_for(self._request(method, path, body, headers or {}), timeout) + (
                time.monotonic() - started,
            )
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError):
            await self.close()
            status = ABORTED + self._status if self._status else 0
            return status, b"", time.monotonic() - started

    async def _request(self, method, path, body, headers):
        if self.writer is None:
            local = (self.source, 0) if self.source else None
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, local_addr=local)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        for k, v in headers.items():
            lines.append(f"{k}: {v}")
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        self._status = status
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        if chunked:
            data = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                data += await self.reader.readexactly(size)
                await self.reader.readexactly(2)
            data = bytes(data)
        elif length is not None:
            data = await self.reader.readexactly(length)
        elif method == "HEAD" or status in (204, 304):
            data = b""
        else:
            data = await self.reader.read()
            close = True
        if close:
            await self.close()
        return status, data


async def get(host, port, path, timeout=30.0):
    conn = Conn(host, port)
    try:
        return await conn.request("GET", path, timeout=timeout)
    finally:
        await conn.close()


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


class Prober:
    """Asks `/health` every `every` seconds from a process of its own (tests/chaos/probe.py)
    and keeps the latencies, in ms."""

    def __init__(self, host, port, every=0.1):
        self.host, self.port, self.every = host, port, every
        self.latencies, self.statuses = [], {}
        self._proc, self._stopped = None, False

    async def run(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe.py")
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, script, self.host, str(self.port), str(self.every),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        if self._stopped:
            self._proc.stdin.close()
        out, _ = await self._proc.communicate()
        found = json.loads(out)
        self.latencies, self.statuses = found["latencies"], found["statuses"]

    def stop(self):
        self._stopped = True
        if self._proc is not None and self._proc.stdin is not None:
            self._proc.stdin.close()

    def p99(self):
        return percentile(self.latencies, 99)
