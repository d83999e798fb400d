#!/usr/bin/env bash
# make observe: Prometheus (Debian's prometheus package) scraping a running `make up` fleet, with
# the alert rules of dashboards/prometheus/ loaded and its remote-write receiver on (k6 can send
# its metrics there); Grafana too when grafana-server is installed. Ctrl-C stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PROMETHEUS_PORT:-9090}
GRAFANA_PORT=${GRAFANA_PORT:-3000}
command -v prometheus >/dev/null 2>&1 ||
  { echo "error: prometheus is missing: sudo apt-get install prometheus" >&2; exit 1; }
for p in 9101 9102 9103 9104; do
  curl -sf -o /dev/null "http://127.0.0.1:$p/healthz" ||
    echo "note: nothing answers on 127.0.0.1:$p yet (start the fleet with make up)"
done
mkdir -p .tmp/prometheus
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
prometheus --config.file=dashboards/prometheus/prometheus.yml --storage.tsdb.path=.tmp/prometheus \
  --web.listen-address="127.0.0.1:$PORT" --web.enable-remote-write-receiver \
  --log.level=warn &
pids+=($!)
echo "Prometheus  http://127.0.0.1:$PORT  (alerts: http://127.0.0.1:$PORT/alerts)"
GRAFANA=$(command -v grafana-server || command -v grafana || true)
if [ -n "$GRAFANA" ]; then
  # The same provisioning as the images, pointed at this Prometheus and at dashboards/grafana/.
  prov=.tmp/grafana/provisioning
  mkdir -p "$prov/datasources" "$prov/dashboards" .tmp/grafana/data
  sed "s#http://127.0.0.1:9090#http://127.0.0.1:$PORT#" \
    infra/monitoring/grafana/provisioning/datasources/prometheus.yaml >"$prov/datasources/prometheus.yaml"
  sed "s#/var/lib/grafana/dashboards#$PWD/dashboards/grafana#" \
    infra/monitoring/grafana/provisioning/dashboards/chatfleet.yaml >"$prov/dashboards/chatfleet.yaml"
  home=$(dirname "$(dirname "$(readlink -f "$GRAFANA")")")
  [ -d /usr/share/grafana ] && home=/usr/share/grafana
  [ "$(basename "$GRAFANA")" = grafana ] && sub=(server) || sub=()
  GF_PATHS_PROVISIONING="$PWD/$prov" GF_PATHS_DATA="$PWD/.tmp/grafana/data" \
    GF_SERVER_HTTP_ADDR=127.0.0.1 GF_SERVER_HTTP_PORT="$GRAFANA_PORT" GF_LOG_LEVEL=warn \
    "$GRAFANA" "${sub[@]}" --homepath "$home" &
  pids+=($!)
  echo "Grafana     http://127.0.0.1:$GRAFANA_PORT  (admin/admin on first login: local only)"
else
  echo "Grafana     not installed (grafana-server not on the PATH): Prometheus only"
fi
wait -n "${pids[@]}"
