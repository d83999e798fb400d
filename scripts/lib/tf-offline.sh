# Sourced by infra-validate.sh and deploy-rehearsal.sh (which set TOOL to their name): finds a
# Terraform (or OpenTofu) and a local hashicorp/aws provider, synthesizes both stacks, and
# points Terraform at that provider in a temporary folder ($work, removed on exit). Sets TF,
# FOLDER, HOST, VERSION, PIN and work. Without a binary or a provider it prints SKIPPED and
# why, and exits 0.
TF=${TF:-$(command -v terraform || command -v tofu || true)}
if [ -z "$TF" ] || ! command -v "$TF" >/dev/null 2>&1; then
  echo "$TOOL: SKIPPED: no terraform or tofu (on PATH, or TF=/path/to/binary)."
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
  echo "$TOOL: SKIPPED: no hashicorp/aws provider for $ARCH in: ${FOLDERS[*]}"
  echo "  (set CHATFLEET_TF_PLUGINS to a folder laid out as HOST/hashicorp/aws/VERSION/$ARCH/)"
  exit 0
fi
pick=$(printf '%s\n' "${found[@]}" | awk -v pin="$PIN" '$3 == pin { print; exit }')
[ -n "$pick" ] || pick=$(printf '%s\n' "${found[@]}" | sort -k3,3V | tail -1)
read -r FOLDER HOST VERSION <<<"$pick"
echo "$TOOL: $(TF_CLI_CONFIG_FILE=/dev/null "$TF" version | head -1), hashicorp/aws $VERSION from $FOLDER"
[ "$VERSION" = "$PIN" ] || echo "  the stacks pin hashicorp/aws $PIN: using $VERSION instead"

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
