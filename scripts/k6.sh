#!/usr/bin/env bash
# `make k6`: builds the pinned k6 from the Go module proxy into a cache that later runs reuse,
# and prints its path. Users install k6 their usual way instead (see docs/loadtest.md).
set -euo pipefail
K6_VERSION=v1.8.1
cache="${CHATFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatfleet}/k6-$K6_VERSION"
bin="$cache/k6"
if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -q "k6 $K6_VERSION"; then
  echo "$bin"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "k6: Go is not installed. Install k6 your usual way (docs/loadtest.md), or Go, or set K6=/path/to/k6" >&2
  exit 1
fi
mkdir -p "$cache"
echo "building k6 $K6_VERSION into $cache (a few minutes, once)…" >&2
GOBIN="$cache" GOFLAGS=-trimpath go install "go.k6.io/k6@$K6_VERSION" >&2
"$bin" version >&2
echo "$bin"
