#!/usr/bin/env bash
# make synth | plan | deploy | destroy, for ENV=dev (default) or ENV=prod.
# Fails early, with the command to fix it, when AWS credentials, Docker or Terraform are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:?usage: infra.sh synth|plan|deploy|destroy}
ENV=${ENV:-dev}
STACK_DIR=infra/cdktf.out/stacks/$ENV
SERVICES=(tcp-gateway ws-gateway matchmaker history-writer)

die() { echo "error: $*" >&2; exit 1; }

TF_MIN=1.10

# The S3 backend's use_lockfile needs Terraform/OpenTofu >= 1.10: refuse older ones up front.
# A binary whose version cannot be read is used with a warning.
tf_check_version() {
  local v
  v=$("$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9][0-9.]*\)".*/\1/p' | head -1)
  if [ -z "$v" ]; then
    echo "warning: could not read the version of $1; it must be >= $TF_MIN" >&2
    return
  fi
  [ "$(printf '%s\n%s\n' "$TF_MIN" "$v" | sort -V | head -1)" = "$TF_MIN" ] ||
    die "$1 is version $v: Terraform or OpenTofu >= $TF_MIN is needed (the S3 backend's use_lockfile)"
}

tf_bin() {
  if [ -n "${TF:-}" ]; then
    command -v "$TF" >/dev/null 2>&1 || die "TF=$TF is not an executable Terraform or OpenTofu"
    tf_check_version "$TF"
    echo "$TF"
    return
  fi
  for b in terraform tofu "$HOME/.cache/chatfleet-terraform/bin/tofu"; do
    if command -v "$b" >/dev/null 2>&1; then tf_check_version "$b"; echo "$b"; return; fi
  done
  die "neither terraform nor tofu found: install Terraform >= $TF_MIN or OpenTofu >= $TF_MIN (or set TF=/path/to/binary)"
}

need_aws() {
  command -v aws >/dev/null 2>&1 || die "the aws CLI is missing: install AWS CLI v2"
  aws sts get-caller-identity >/dev/null 2>&1 || die "no working AWS credentials: run 'aws configure' or 'aws sso login', or export AWS_PROFILE"
}

need_docker() {
  command -v docker >/dev/null 2>&1 || die "docker is missing: install Docker Engine"
  docker info >/dev/null 2>&1 || die "no Docker engine answers: start it (the docker client alone cannot build images)"
}

synth() {
  # CHATFLEET_BUILT=1: the caller has just built (the tests), skip the rebuild.
  [ "${CHATFLEET_BUILT:-}" = 1 ] || npm run build >/dev/null
  (cd infra && CHECKPOINT_DISABLE=1 node dist/main.js)
  echo "synthesized: infra/cdktf.out/stacks/{dev,prod}/cdk.tf.json"
}

case "$cmd" in
  synth)
    synth
    ;;
  plan)
    TFB=$(tf_bin); need_aws; synth
    (cd "$STACK_DIR" && "$TFB" init -input=false && "$TFB" plan -input=false)
    ;;
  deploy)
    TFB=$(tf_bin); need_aws; need_docker; synth
    (cd "$STACK_DIR" && "$TFB" init -input=false)
    # The registries first, so there is somewhere to push the images to.
    json="$STACK_DIR/cdk.tf.json"
    targets=$(node -e "const t=require('./$json'); console.log(Object.keys(t.resource.aws_ecr_repository).map((k) => '-target=aws_ecr_repository.' + k).join(' '))")
    # shellcheck disable=SC2086
    (cd "$STACK_DIR" && "$TFB" apply -input=false -auto-approve $targets)
    tag=${IMAGE_TAG:-$(git rev-parse --short HEAD)}
    region=$(node -e "console.log(require('./$json').provider.aws[0].region)")
    for s in "${SERVICES[@]}" grafana; do
      out=repository_${s//-/_}
      [ "$s" = grafana ] && out=grafana_repository
      repo=$(cd "$STACK_DIR" && "$TFB" output -raw "$out" 2>/dev/null) || continue
      aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "${repo%%/*}"
      # The hosts are x86_64, whatever machine deploys (an arm64 laptop builds arm64 otherwise).
      docker build --platform linux/amd64 --build-arg GIT_SHA="$(git rev-parse HEAD)" --target "$s" -t "$repo:$tag" -t "$repo:latest" .
      docker push "$repo:$tag" && docker push "$repo:latest"
    done
    IMAGE_TAG=$tag synth
    (cd "$STACK_DIR" && "$TFB" apply -input=false -auto-approve && "$TFB" output)
    ;;
  destroy)
    TFB=$(tf_bin); need_aws; synth
    (cd "$STACK_DIR" && "$TFB" init -input=false && "$TFB" destroy -input=false)
    ;;
  *)
    die "unknown command $cmd"
    ;;
esac
