#!/bin/bash
# chatfleet-watch: runs on every service host (installed by the launch template's cloud-init).
#  - When the autoscaling group terminates this instance (target lifecycle state Terminated, seen
#    through instance metadata while the terminate hook holds it), stop the service with SIGTERM
#    and wait for it to exit: it says `bye shutdown` to every client and drains. Then complete the
#    lifecycle action, retrying until AWS accepts it.
#  - While running: if the service's container has not been running for UNHEALTHY_AFTER_S, mark
#    the instance unhealthy so the group replaces it (EC2 health checks alone never would).
# Everything it touches is overridable, so it runs locally against a fake metadata endpoint.
set -uo pipefail

: "${SERVICE:?}" "${REGION:?}" "${ASG_NAME:?}" "${HOOK_NAME:?}"
IMDS=${IMDS:-http://169.254.169.254}
AWS=${AWS:-aws}
POLL_S=${POLL_S:-5}
GRACE_S=${GRACE_S:-60}
UNHEALTHY_AFTER_S=${UNHEALTHY_AFTER_S:-120}

log() { echo "chatfleet-watch: $*" >&2; }

# STOP_CMD / RUNNING_CMD replace the docker calls (the local test drives a plain process).
stop_service() {
  if [ -n "${STOP_CMD:-}" ]; then eval "$STOP_CMD"; else docker stop --time "$GRACE_S" "$SERVICE"; fi
}
running() {
  if [ -n "${RUNNING_CMD:-}" ]; then
    eval "$RUNNING_CMD"
  else
    [ "$(docker inspect -f '{{.State.Running}}' "$SERVICE" 2>/dev/null)" = true ]
  fi
}

imds() {
  local t
  t=$(curl -sf -X PUT "$IMDS/latest/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') || return 1
  curl -sf -H "X-aws-ec2-metadata-token: $t" "$IMDS/latest/meta-data/$1"
}

# Retries an AWS call with backoff (1, 2, 4… up to 30 s) for up to `$1` seconds.
retry_for() {
  local until=$((SECONDS + $1)) delay=1
  shift
  until "$@"; do
    if ((SECONDS >= until)); then
      log "gave up: $*"
      return 1
    fi
    log "retrying in ${delay}s: $*"
    sleep "$delay"
    delay=$((delay * 2 > 30 ? 30 : delay * 2))
  done
}

drain() {
  local id=$1
  log "instance $id is terminating: stopping $SERVICE (SIGTERM, up to ${GRACE_S}s)"
  stop_service || log "stop returned $?"
  log "$SERVICE stopped: completing the lifecycle action"
  # The hook's heartbeat timeout ends the wait anyway; retry until then.
  retry_for 600 "$AWS" autoscaling complete-lifecycle-action --region "$REGION" \
    --auto-scaling-group-name "$ASG_NAME" --lifecycle-hook-name "$HOOK_NAME" \
    --lifecycle-action-result CONTINUE --instance-id "$id"
}

down_since=
while true; do
  id=$(imds instance-id) || { sleep "$POLL_S"; continue; }
  state=$(imds autoscaling/target-lifecycle-state) || state=
  if [ "$state" = Terminated ]; then
    drain "$id"
    exit $?
  fi
  if running; then
    down_since=
  else
    down_since=${down_since:-$SECONDS}
    if ((SECONDS - down_since >= UNHEALTHY_AFTER_S)); then
      log "$SERVICE not running for ${UNHEALTHY_AFTER_S}s: marking $id unhealthy"
      retry_for 120 "$AWS" autoscaling set-instance-health --region "$REGION" \
        --instance-id "$id" --health-status Unhealthy --no-should-respect-grace-period
      down_since=$SECONDS
    fi
  fi
  sleep "$POLL_S"
done
