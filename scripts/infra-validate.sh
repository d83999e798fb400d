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

TF=${TF:-$(command -v terraform || command -v tofu || true)}
if [ -z "$TF" ] || ! command -v "$TF" >/dev/null 2>&1; then
  echo "infra-validate: SKIPPED: no terraform or tofu (on PATH, or TF=/path/to/binary)."
  exit 0
fi
case "$(basename "$TF")" in
  tofu) HOSTS=(registry.opentofu.org registry.terraform.io) ;;
  *) HOSTS=(registry.terraform.io) ;;
esac
case "$(uname -m)" in
  x86_64) ARCH=linux_amd64 ;;
  aarch64 | arm64) ARCH=linux_arm64 ;;
  *) ARCH="linux_$(uname -m)" ;;
esac
# Where plugin folders usually are; CHATFLEET_TF_PLUGINS (colon-separated) comes first.
IFS=: read -r -a FOLDERS <<<"${CHATFLEET_TF_PLUGINS:-}"
FOLDERS+=("$HOME/.cache/chatfleet-terraform/mirror" /opt/tf-plugins "$HOME/.terraform.d/plugins"
  /usr/local/share/terraform/plugins /usr/share/terraform/plugins)

(cd infra && CHECKPOINT_DISABLE=1 node dist/main.js >/dev/null)
PIN=$(node -e "console.log(require('./infra/cdktf.out/stacks/dev/cdk.tf.json').terraform.required_providers.aws.version)")

# Every "<folder> <host> <version>" that holds an aws provider for this platform.
found=()
for folder in "${FOLDERS[@]}"; do
  [ -n "$folder" ] || continue
  for host in "${HOSTS[@]}"; do
    for dir in "$folder/$host/hashicorp/aws"/*/"$ARCH"; do
      [ -d "$dir" ] && ls "$dir"/terraform-provider-aws* >/dev/null 2>&1 || continue
      found+=("$folder $host $(basename "$(dirname "$dir")")")
    done
  done
done
if [ ${#found[@]} -eq 0 ]; then
  echo "infra-validate: SKIPPED: no hashicorp/aws provider for $ARCH in: ${FOLDERS[*]}"
  echo "  (set CHATFLEET_TF_PLUGINS to a folder laid out as HOST/hashicorp/aws/VERSION/$ARCH/)"
  exit 0
fi
pick=$(printf '%s\n' "${found[@]}" | awk -v pin="$PIN" '$3 == pin { print; exit }')
[ -n "$pick" ] || pick=$(printf '%s\n' "${found[@]}" | sort -k3,3V | tail -1)
read -r FOLDER HOST VERSION <<<"$pick"
echo "infra-validate: $(TF_CLI_CONFIG_FILE=/dev/null "$TF" version | head -1), hashicorp/aws $VERSION from $FOLDER"
[ "$VERSION" = "$PIN" ] || echo "  the stacks pin hashicorp/aws $PIN: validating against $VERSION instead"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/tfrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$FOLDER"
    include = ["$HOST/hashicorp/aws"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$work/tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
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
