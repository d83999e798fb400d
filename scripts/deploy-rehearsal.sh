#!/usr/bin/env bash
# make deploy-rehearsal: both AWS stacks applied, checked and destroyed against moto, a local
# AWS emulator, with the real Terraform and hashicorp/aws provider that infra-validate uses.
# A plan catches what is wrong in a stack's text; only an apply catches what AWS refuses
# (docs/deploy.md, "The deploy rehearsal"). Nothing leaves this machine: every service the
# stacks use points at the emulator on 127.0.0.1, with dummy credentials.
#
# moto's gaps are worked around in scripts/rehearsal/ (moto-workarounds.mjs on the copy,
# moto_prepare.py before the apply, the state rm before destroy), never in the stacks; a plan
# after the apply may only show the emulator's known diffs (scripts/rehearsal/known-diffs.json).
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION=5.2.5
VENV=${CHATFLEET_MOTO_VENV:-$HOME/.cache/chatfleet-moto/venv-$MOTO_VERSION}
TOOL=deploy-rehearsal
ROOT=$(pwd)
# shellcheck source=lib/tf-offline.sh
source scripts/lib/tf-offline.sh

if [ ! -x "$VENV/bin/moto_server" ]; then
  echo "$TOOL: installing moto[server]==$MOTO_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION"
fi
free_port() {
  node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f s", b - a }'; }
# Every emulator stops whatever happens (each stack's run writes its emulator's pid); the
# temporary folder goes with them.
stop_all() {
  for f in "$work"/*.moto.pid; do [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop_all EXIT

# One stack against its own emulator; what it prints goes to $work/ENV.out.
rehearse() {
  local env=$1 dir="$work/$1" port url t total left
  mkdir -p "$dir"
  port=$(free_port)
  url="http://127.0.0.1:$port"
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
  echo $! >"$work/$env.moto.pid"
  "$VENV/bin/python" - "$url" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)
        break
    except OSError:
        time.sleep(0.2)
PY
  node scripts/infra-offline-copy.mjs "infra/cdktf.out/stacks/$env/cdk.tf.json" "$dir/cdk.tf.json" "$VERSION"
  node scripts/rehearsal/moto-workarounds.mjs "$dir/cdk.tf.json"
  # Every service the stacks use, at the emulator; few retries, so what moto lacks fails fast.
  # No skip_requesting_account_id: with it the provider misreads security group references.
  node -e '
    const url = process.argv[1];
    const services = ["autoscaling", "cloudwatch", "logs", "ec2", "ecr", "elasticache", "elbv2", "iam", "kms", "ssm", "sts"];
    const aws = { access_key: "testing", secret_key: "testing", skip_credentials_validation: true,
      skip_metadata_api_check: "true", skip_region_validation: true, max_retries: 3,
      endpoints: [Object.fromEntries(services.map((s) => [s, url]))] };
    process.stdout.write(JSON.stringify({ provider: { aws: [aws] } }));
  ' "$url" >"$dir/rehearsal_override.tf.json"
  "$VENV/bin/python" scripts/rehearsal/moto_prepare.py "$url" "$dir/cdk.tf.json"
  cd "$dir"
  "$TF" init -backend=false -input=false -no-color >init.log 2>&1 || { cat init.log; return 1; }
  total=$(node -e 'const r = require(process.argv[1]).resource; console.log(Object.values(r).reduce((n, v) => n + Object.keys(v).length, 0))' "$dir/cdk.tf.json")
  t=$(now)
  if ! "$TF" apply -auto-approve -input=false -no-color >apply.log 2>&1; then
    grep -E '^(Error|│)' apply.log | head -40
    echo "  apply FAILED after $(took "$t"): $("$TF" state list | wc -l) of $total resources"
    return 1
  fi
  echo "  apply: $("$TF" state list | wc -l) of $total resources in $(took "$t")"
  t=$(now)
  "$VENV/bin/python" "$ROOT/scripts/rehearsal/moto_checks.py" "$url" "$dir/cdk.tf.json" "$env" || return 1
  echo "  checks after apply: $(took "$t")"
  t=$(now)
  "$TF" plan -input=false -no-color -out=post.plan >plan.log 2>&1 || { tail -30 plan.log; return 1; }
  "$TF" show -json post.plan >post.json
  node "$ROOT/scripts/rehearsal/plan-diffs.mjs" post.json || return 1
  echo "  plan after apply: $(took "$t")"
  t=$(now)
  # moto never finishes deleting a replication group and lacks DeleteCacheSubnetGroup.
  for r in $("$TF" state list | grep -E '^aws_elasticache_(replication|subnet)_group\.'); do
    "$TF" state rm -no-color "$r" >/dev/null
  done
  "$TF" destroy -auto-approve -input=false -no-color >destroy.log 2>&1 || { grep -E '^(Error|│)' destroy.log | head -30; return 1; }
  left=$("$TF" state list | wc -l)
  echo "  destroy: $left left in the state, in $(took "$t")"
  [ "$left" -eq 0 ]
}

# The stacks side by side, each with its own emulator: the run is mostly waiting on them.
stacks=(${STACKS:-dev prod})
runs=()
for env in "${stacks[@]}"; do
  (rehearse "$env") >"$work/$env.out" 2>&1 &
  runs+=($!)
done
failed=0
for i in "${!stacks[@]}"; do
  status=0
  wait "${runs[$i]}" || status=$?
  echo "== ${stacks[$i]}"
  cat "$work/${stacks[$i]}.out"
  [ "$status" -eq 0 ] || { echo "  the ${stacks[$i]} stack FAILED"; failed=1; }
done
[ "$failed" -eq 0 ] || exit 1
echo "$TOOL: passed (hashicorp/aws $VERSION, moto $MOTO_VERSION)"
