#!/bin/bash
# The `db-replica` service: on an empty volume, a base backup of `db` with the settings of a
# streaming replica (`pg_basebackup -R` writes standby.signal and primary_conninfo); then the
# server, which replays the primary's WAL and answers read-only queries (hot standby).
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pg_basebackup -h db -U "$REPLICATE_AS" -D "$PGDATA" -R -X stream -c fast -w
  chmod 700 "$PGDATA"
fi
# hot_standby_feedback: replaying a vacuum from db must not cancel a long read here.
exec postgres -c hot_standby_feedback=on
