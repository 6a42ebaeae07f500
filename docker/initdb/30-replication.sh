#!/bin/bash
# Streaming replicas (the compose `replica` profile, docs/SCALING.md) log in from other
# containers for replication, which the image's `host all all all` line does not cover.
# Runs once, when the volume is first initialised; the server restarts after the init scripts.
set -euo pipefail
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
