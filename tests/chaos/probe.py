"""Asks /health every INTERVAL seconds until its standard input closes, then prints the
latencies (ms) as JSON. A process of its own, so the load generator's busy event loop does not
count as the server's latency."""

import json
import select
import socket
import sys
import time

host, port, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
latencies, statuses = [], {}
while True:
    started = time.monotonic()
    status = 0
    try:
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            status = int(data.split(b" ", 2)[1]) if data else 0
    except (OSError, ValueError, IndexError):
        status = 0
    latencies.append((time.monotonic() - started) * 1000.0)
    statuses[status] = statuses.get(status, 0) + 1
    ready, _, _ = select.select([sys.stdin], [], [], interval)
    if ready and not sys.stdin.read(1):
        break
print(json.dumps({"latencies": latencies, "statuses": statuses}))
