# Shared helpers for scripts/*. Sourced, not run.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# Cargo installed by rustup lives here; non-login shells (CI) may not have it on PATH.
if [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

# Each step says how long its script has been running, so a slow stage shows in any log.
say() { printf '\033[1m==> %s\033[0m \033[2m(%d s)\033[0m\n' "$*" "$SECONDS" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# apt_ensure PKG...: installs the Debian packages that are missing, nothing otherwise.
apt_ensure() {
  local missing=()
  for p in "$@"; do installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing packages ${missing[*]} and no apt-get to install them"
  say "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The PostGIS package for the newest PostgreSQL the distribution offers (15 on Debian 12).
postgis_package() {
  if installed postgresql-15-postgis-3 || apt-cache show postgresql-15-postgis-3 >/dev/null 2>&1; then
    echo postgresql-15-postgis-3
  else
    apt-cache search --names-only '^postgresql-[0-9]+-postgis-3$' | cut -d' ' -f1 | sort -V | tail -1
  fi
}

# True when $1 is older than any file under the following paths (or missing).
stale() {
  local target="$1"; shift
  [ -e "$target" ] || return 0
  [ -n "$(find "$@" -newer "$target" -print -quit 2>/dev/null)" ]
}

# free_port: a free TCP port on loopback, for a throwaway server.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_healthy PORT LOG: waits up to 10 s for nexus serve's /health; shows LOG and stops if it never answers.
wait_healthy() {
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$2"
  die "nexus serve did not start"
}
