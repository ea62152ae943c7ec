#!/usr/bin/env bash
# The seed's Kubernetes path on this machine, where no Kubernetes can run: the fake API server
# (tests/Flows.Kubernetes.Fake.Host) with RBAC enforced and its Docker node (each pod a container on the local Engine),
# the worker chart's ServiceAccount, Role and RoleBinding rendered by helm and applied to it, a token Secret for that
# account, our kubernetes worker with that token, the seed's pool, `dotnet publish samples/hello -p:DeployFlows=true`,
# hello/default and hello/arthur run as Jobs to Completed with their logs, the Jobs collected by their TTL (60 s on a
# fake clock that runs 10x), and no request refused. What only a real cluster proves: tests/Flows.Kubernetes.Fake/README.md.
# Needs root (apt-get, dockerd), like scripts/container-path.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${FLOWS_PORT:-4200}"
POOL=kubernetes
NAMESPACE=prefect
export FLOWS_HOME="${FLOWS_HOME:-$PWD/.flows-kubernetes}"
export PREFECT_API_URL="http://127.0.0.1:$PORT/api"
export PREFECT_IMAGE_NAME="${PREFECT_IMAGE_NAME:-localhost:5000/hello}"
STATE="$FLOWS_HOME/fake-kubernetes"
mkdir -p "$FLOWS_HOME"
rm -rf "$STATE"; mkdir -p "$STATE"
started=$SECONDS

echo "==> registry and base images, dockerd, helm"
bash .ci/registry.sh
bash .ci/docker.sh
bash .ci/helm.sh

echo "==> flows-deploy, the fake API server host and the Flows.Build package (local feed)"
dotnet build src/Flows.Cli -c Release -v q --nologo
dotnet build tests/Flows.Kubernetes.Fake.Host -c Release -v q --nologo
CLI=(dotnet src/Flows.Cli/bin/Release/net10.0/flows-deploy.dll)
FAKE=(dotnet tests/Flows.Kubernetes.Fake.Host/bin/Release/net10.0/Flows.Kubernetes.Fake.Host.dll)
dotnet pack src/Flows.Build -c Release -o artifacts/feed -v q --nologo
rm -rf "$HOME/.nuget/packages/flows.build/0.1.0"   # NuGet caches a version forever; take this checkout's tasks

echo "==> the worker chart's RBAC (helm template), and a token Secret for its ServiceAccount"
bash scripts/lib/worker-rbac.sh "$NAMESPACE" --set worker.config.workPool="$POOL" > "$STATE/chart-rbac.yaml"

echo "==> fake Kubernetes API server (RBAC, Docker node) and our server on $PREFECT_API_URL"
SERVER= FAKE_PID= WORKER=
cleanup() { kill ${WORKER:-} ${SERVER:-} ${FAKE_PID:-} 2>/dev/null || true; wait ${FAKE_PID:-} 2>/dev/null || true; }
trap cleanup EXIT
"${FAKE[@]}" --state-dir "$STATE" --namespace "$NAMESPACE" --rbac --docker-node --clock-rate 10 \
  --apply "$STATE/chart-rbac.yaml" --kubeconfig-from "$NAMESPACE/flows-worker-token" \
  > "$STATE/fake.log" 2>&1 &
FAKE_PID=$!
"${CLI[@]}" server start --port "$PORT" > "$FLOWS_HOME.server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do [ -s "$STATE/url" ] && curl -fs "$PREFECT_API_URL/health" >/dev/null && break; sleep 0.5; done
[ -s "$STATE/url" ] || { echo "the fake API server did not start:" >&2; cat "$STATE/fake.log" >&2; exit 1; }
cat "$STATE/fake.log"
FAKE_URL=$(cat "$STATE/url")

"${CLI[@]}" work-pool create "$POOL" --type kubernetes --set finished_job_ttl=60 --set pod_watch_timeout_seconds=300 --set namespace="$NAMESPACE"

echo "==> dotnet publish -p:DeployFlows=true"
# A dirty checkout gives a '<sha>-dirty' tag and warning FLOWS3502, which this repository otherwise treats as an error.
dotnet publish samples/hello -c Release -p:DeployFlows=true \
  -p:ContainerBaseImage=localhost:5000/dotnet/runtime:10.0 -p:MSBuildWarningsNotAsErrors=FLOWS3502 -v q --nologo

echo "==> kubernetes worker with the chart's service account token (KUBECONFIG)"
KUBECONFIG="$STATE/kubeconfig" "${CLI[@]}" worker start --pool "$POOL" --type kubernetes &
WORKER=$!

echo "==> runs"
"${CLI[@]}" deployment run hello/default --watch
"${CLI[@]}" deployment run hello/arthur --watch

echo "==> the Jobs go when their TTL runs out"
# Asked as the cluster admin; an answer that cannot be read counts as "not yet", never as "none left".
jobs_left() {
  local body
  body=$(curl -fsS -H "Authorization: Bearer $(cat "$STATE/admin-token")" "$FAKE_URL/apis/batch/v1/namespaces/$NAMESPACE/jobs") || { echo unknown; return; }
  grep -o '"kind":"Job"' <<<"$body" | wc -l
}
containers_left() { docker ps -aq --filter "label=flows.fake-node=$(cat "$STATE/node-id")" | wc -l || echo unknown; }
for _ in $(seq 1 120); do [ "$(jobs_left)" = 0 ] && break; sleep 0.5; done
[ "$(jobs_left)" = 0 ] || { echo "Jobs still in $NAMESPACE after their TTL: $(jobs_left)" >&2; exit 1; }
for _ in $(seq 1 60); do [ "$(containers_left)" = 0 ] && break; sleep 0.5; done
[ "$(containers_left)" = 0 ] || { echo "pod containers left on the node: $(containers_left)" >&2; exit 1; }

if grep -q '^refused: ' "$STATE/fake.log"; then
  echo "the fake API server refused requests of the worker's account:" >&2
  grep '^refused: ' "$STATE/fake.log" >&2
  exit 1
fi
echo "Both runs Completed as Jobs on the fake node with the chart's Role; Jobs gone by TTL; nothing refused ($((SECONDS - started)) s)."
