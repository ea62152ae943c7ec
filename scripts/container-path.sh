#!/usr/bin/env bash
# The container path on this machine, end to end: a local OCI registry and dockerd (the CI scripts), the embedded
# server, a docker work pool, `dotnet publish -p:DeployFlows=true` (image tagged with the commit, pushed, the
# deployments registered pinned by digest), a docker worker, and hello/default + hello/arthur run inside containers.
# Swap the registry for ECR and the pool for a kubernetes one and this is the EKS path. Needs root (apt-get, dockerd).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${FLOWS_PORT:-4200}"
POOL=local-docker
export FLOWS_HOME="${FLOWS_HOME:-$PWD/.flows-container}"
export PREFECT_API_URL="http://127.0.0.1:$PORT/api"
export PREFECT_IMAGE_NAME="${PREFECT_IMAGE_NAME:-localhost:5000/hello}"

echo "==> registry and base images, dockerd"
bash .ci/registry.sh
bash .ci/docker.sh

echo "==> flows-deploy and the Flows.Build package (local feed)"
dotnet build src/Flows.Cli -c Release -v q --nologo
CLI=(dotnet src/Flows.Cli/bin/Release/net10.0/flows-deploy.dll)
dotnet pack src/Flows.Build -c Release -o artifacts/feed -v q --nologo
rm -rf "$HOME/.nuget/packages/flows.build/0.1.0"   # NuGet caches a version forever; take this checkout's tasks

echo "==> server on $PREFECT_API_URL"
"${CLI[@]}" server start --port "$PORT" > "$FLOWS_HOME.server.log" 2>&1 &
SERVER=$!
WORKER=
trap 'kill $SERVER ${WORKER:-} 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fs "$PREFECT_API_URL/health" >/dev/null && break; sleep 0.5; done

"${CLI[@]}" work-pool create "$POOL" --type docker

# FLOWS_PUBLISH_AOT=1: a Native AOT image on runtime-deps instead of the default JIT image on runtime.
IMAGE_PROPERTIES=(-p:ContainerBaseImage=localhost:5000/dotnet/runtime:10.0)
if [ "${FLOWS_PUBLISH_AOT:-0}" = 1 ]; then
  bash .ci/aot.sh
  IMAGE_PROPERTIES=(-p:PublishAot=true -p:ContainerBaseImage=localhost:5000/dotnet/runtime-deps:10.0)
fi

echo "==> dotnet publish -p:DeployFlows=true ${IMAGE_PROPERTIES[*]}"
# A dirty checkout gives a '<sha>-dirty' tag and warning FLOWS3502, which this repository otherwise treats as an error.
dotnet publish samples/hello -c Release -p:DeployFlows=true -p:FlowsWorkPool="$POOL" \
  "${IMAGE_PROPERTIES[@]}" -p:MSBuildWarningsNotAsErrors=FLOWS3502 -v q --nologo

echo "==> docker worker"
"${CLI[@]}" worker start --pool "$POOL" --type docker &
WORKER=$!

echo "==> runs"
"${CLI[@]}" deployment run hello/default --watch
"${CLI[@]}" deployment run hello/arthur --watch
echo "Both runs Completed inside containers. The server keeps them in $FLOWS_HOME."
