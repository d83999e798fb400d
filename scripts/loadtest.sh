#!/usr/bin/env bash
# `make loadtest SCRIPT=ws-rooms|ws-strangers|soak|spike`: runs a k6 script of loadtest/k6/.
# With WS_URL set it loads that fleet; otherwise it uses a fleet already answering on
# 127.0.0.1:8080 (make up), or starts one of its own for the run. The summary lands in
# loadtest/results/. K6_PROMETHEUS_RW_SERVER_URL set: k6 metrics go to that Prometheus too.
set -euo pipefail
cd "$(dirname "$0")/.."
script=${SCRIPT:-ws-rooms}
file="loadtest/k6/$script.ts"
[ -f "$file" ] || { echo "no such script: $file (ws-rooms, ws-strangers, soak, spike)" >&2; exit 2; }

# K6, else a k6 on PATH, else ours (make k6 builds it once into a cache).
k6=${K6:-$(command -v k6 || true)}
[ -n "$k6" ] || k6=$(scripts/k6.sh)

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
fleet_pid=
cleanup() { if [ -n "$fleet_pid" ]; then kill -TERM "$fleet_pid" 2>/dev/null; wait "$fleet_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
if [ -z "${WS_URL:-}" ]; then
  if answers 8080; then
    echo "loadtest: using the fleet on 127.0.0.1:8080"
  else
    mkdir -p .tmp
    echo "loadtest: starting a local fleet (logs in .tmp/loadtest-fleet.log)"
    # Its own Redis port, and per-address limits sized for a whole load test from one address.
    REDIS_PORT=${LOADTEST_REDIS_PORT:-6399} MAX_CONNECTIONS_PER_IP=${MAX_CONNECTIONS_PER_IP:-100000} \
      MAX_CONNECTS_PER_ADDRESS=${MAX_CONNECTS_PER_ADDRESS:-100000} \
      TEXT_BYTES_PER_ADDRESS_MIN=${TEXT_BYTES_PER_ADDRESS_MIN:-1073741824} \
      ROOMS_PER_ADDRESS_HOUR=${ROOMS_PER_ADDRESS_HOUR:-1000000} \
      OFFLINE_DMS_PER_HOUR=${OFFLINE_DMS_PER_HOUR:-1000000} REPORTS_PER_ADDRESS_HOUR=${REPORTS_PER_ADDRESS_HOUR:-1000000} \
      LOG_LEVEL=${LOG_LEVEL:-warn} node scripts/up.mjs >.tmp/loadtest-fleet.log 2>&1 &
    fleet_pid=$!
    for _ in $(seq 1 100); do answers 8080 && break; sleep 0.2; done
    answers 8080 || { echo "the local fleet did not start:" >&2; tail -20 .tmp/loadtest-fleet.log >&2; exit 1; }
  fi
  export WS_URL=ws://127.0.0.1:8080/ws
fi

mkdir -p loadtest/results
out=()
[ -n "${K6_PROMETHEUS_RW_SERVER_URL:-}" ] && out=(-o experimental-prometheus-rw)
export K6_PROMETHEUS_RW_TREND_STATS=${K6_PROMETHEUS_RW_TREND_STATS:-p(50),p(95),p(99),max}
echo "loadtest: $script against $WS_URL with $k6"
"$k6" run --quiet --tag "testid=$script-$(date +%Y%m%d-%H%M%S)" "${out[@]}" "$file"
