#!/usr/bin/env bash
# Installs what chatfleet needs and a fresh machine lacks: npm packages and redis-server.
# Used by `make up` and `make test`, so the README's two commands work on a new Debian box.
set -euo pipefail
cd "$(dirname "$0")/.."

need_redis() { ! command -v redis-server >/dev/null 2>&1; }

if need_redis; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing redis-server with apt-get"
    if [ ! -f /tmp/.chatfleet-apt-updated ]; then apt-get update -qq && touch /tmp/.chatfleet-apt-updated; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  elif command -v brew >/dev/null 2>&1; then
    echo "installing redis with brew"
    brew install redis
  else
    echo "redis-server is missing. Install it, then run this again:" >&2
    echo "  Debian/Ubuntu: sudo apt-get install redis-server" >&2
    echo "  macOS:         brew install redis" >&2
    exit 1
  fi
fi

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
