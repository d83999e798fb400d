#!/usr/bin/env bash
# Installs what chatfleet needs and a fresh machine lacks: npm packages and redis-server, and
# with --test also Prometheus (the tests scrape the fleet with a real one, and use promtool)
# and Chromium (the browser tests).
# Used by `make up` and `make test`, so the README's two commands work on a new Debian box.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=()
command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
if [ "${1:-}" = "--test" ]; then
  { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || pkgs+=(prometheus)
  # The browser tests drive Debian's Chromium (playwright-core never downloads a browser).
  [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
fi

if [ ${#pkgs[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing ${pkgs[*]} with apt-get"
    if [ ! -f /tmp/.chatfleet-apt-updated ]; then apt-get update -qq && touch /tmp/.chatfleet-apt-updated; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
  elif command -v brew >/dev/null 2>&1; then
    brew_pkgs=("${pkgs[@]/redis-server/redis}")
    echo "installing ${brew_pkgs[*]} with brew"
    brew install "${brew_pkgs[@]}"
  else
    echo "missing: ${pkgs[*]}. Install them, then run this again:" >&2
    echo "  Debian/Ubuntu: sudo apt-get install ${pkgs[*]}" >&2
    echo "  macOS:         brew install ${pkgs[*]/redis-server/redis}" >&2
    exit 1
  fi
fi

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The k6 dashboard's test drives a real k6: ours from the cache, built once where Go is present.
if [ "${1:-}" = "--test" ] && [ -z "${K6:-}" ] && ! command -v k6 >/dev/null 2>&1 && command -v go >/dev/null 2>&1; then
  scripts/k6.sh >/dev/null
fi
