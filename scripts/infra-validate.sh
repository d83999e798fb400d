#!/usr/bin/env bash
# make infra-validate: `validate` and an offline `plan` of both synthesized stacks with a real
# Terraform (or OpenTofu) and a real hashicorp/aws provider from a local plugin folder: dummy
# credentials, no AWS calls, nothing written outside a temporary folder.
#
# The provider is the pinned one when a folder holds it, else the newest one found, and it says
# which (our machines have 5.100.0; the stacks pin 6.x). There is no random provider here, so
# the planned copy replaces random_password with a fixed value and says so. Without a binary or
# a provider this prints SKIPPED and why, and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOL=infra-validate
# shellcheck source=lib/tf-offline.sh
source scripts/lib/tf-offline.sh
for env in dev prod; do
  dir="$work/$env"
  mkdir -p "$dir"
  echo "== $env"
  node scripts/infra-offline-copy.mjs "infra/cdktf.out/stacks/$env/cdk.tf.json" "$dir/cdk.tf.json" "$VERSION"
  # Dummy credentials and no account lookups: plan touches no AWS API.
  cat >"$dir/offline_override.tf.json" <<'JSON'
{ "provider": { "aws": [{ "access_key": "AKIAOFFLINE", "secret_key": "offline", "skip_credentials_validation": true, "skip_requesting_account_id": true, "skip_metadata_api_check": "true", "skip_region_validation": true }] } }
JSON
  (
    cd "$dir"
    "$TF" init -backend=false -input=false -no-color >init.log 2>&1 || { cat init.log; exit 1; }
    "$TF" validate -no-color
    "$TF" plan -input=false -refresh=false -lock=false -no-color >plan.log 2>&1 || { tail -40 plan.log; exit 1; }
    grep -E '^(Plan:|Warning:)' plan.log | sed 's/^/  /'
  )
done
echo "infra-validate: passed (hashicorp/aws $VERSION)"
