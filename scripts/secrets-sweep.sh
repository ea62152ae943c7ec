#!/usr/bin/env bash
# The secrets sweep: with a known API key (the server requires it), a registry password (localhost:5001, htpasswd, as
# ECR's registry answers) and an AWS secret key set for every command, run what a user runs — flows-deploy deploy
# --dry-run and a real deploy pushing with that password, a docker worker run, dotnet publish -p:DeployFlows=true, a
# kubernetes worker run on the fake API server's Docker node (the worker chart's default: pods read the key from the
# worker's own Secret) — then grep everything they left for the secrets: every command's and worker's output, the plan,
# the project's obj/ bin/ and deploy files, the server's database files, `docker inspect` of the flow-run containers,
# the Jobs and pods the API server stores, the API's answers and the UI's pages. Only the Kubernetes Secret may hold
# the key; the sweep checks it does, so a grep that finds nothing is a grep that works. AWS keys are only set here
# (the registries are local); the ECR path's own sweep is tests/Flows.Build.Tests EcrPublishTests.
# Needs root (apt-get, dockerd), like scripts/kubernetes-path.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${FLOWS_PORT:-4200}"
NAMESPACE=prefect
export FLOWS_HOME="${FLOWS_HOME:-$(mktemp -d)}"
WORK="$(mktemp -d)"      # what the sweep reads
SECRETS="$(mktemp -d)"   # the files that must hold a secret (docker config, the key's Secret manifest): not swept
OUT="$WORK/out"; STATE="$WORK/fake-kubernetes"; mkdir -p "$OUT" "$STATE"
started=$SECONDS

echo "==> registry, dockerd, helm; flows-deploy, the fake API server host, the Flows.Build package"
bash .ci/registry.sh
bash .ci/docker.sh
bash .ci/helm.sh
dotnet build src/Flows.Cli -c Release -v q --nologo
dotnet build tests/Flows.Kubernetes.Fake.Host -c Release -v q --nologo
dotnet pack src/Flows.Build -c Release -o artifacts/feed -v q --nologo
rm -rf "$HOME/.nuget/packages/flows.build/0.1.0"   # NuGet caches a version forever; take this checkout's tasks
CLI=(dotnet src/Flows.Cli/bin/Release/net10.0/flows-deploy.dll)
FAKE=(dotnet tests/Flows.Kubernetes.Fake.Host/bin/Release/net10.0/Flows.Kubernetes.Fake.Host.dll)

echo "==> the secrets"
random() { head -c 24 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9' | head -c 20; }
API_KEY="flows-sweep-key-$(random)"
AWS_SECRET="sweep/aws+$(random)"
REGISTRY_PASSWORD="$(cat "${FLOWS_CI_DIR:-/var/tmp/flows-ci}/registry/aws-password")"
REGISTRY_AUTH="$(printf 'AWS:%s' "$REGISTRY_PASSWORD" | base64 -w0)"
export AWS_ACCESS_KEY_ID=AKIDFLOWSSWEEP000001 AWS_SECRET_ACCESS_KEY="$AWS_SECRET" AWS_REGION=eu-west-1
export DOCKER_CONFIG="$SECRETS/docker"; mkdir -p "$DOCKER_CONFIG"
printf '{"auths":{"localhost:5001":{"auth":"%s"}}}\n' "$REGISTRY_AUTH" > "$DOCKER_CONFIG/config.json"
export PREFECT_API_URL="http://127.0.0.1:$PORT/api" PREFECT_API_KEY="$API_KEY"

echo "==> our server (the key required), the fake Kubernetes API server with the worker chart's RBAC and the key's Secret"
bash scripts/lib/worker-rbac.sh "$NAMESPACE" --set worker.config.workPool=kubernetes \
  --set worker.serverApiConfig.apiKeySecret.name=flows-worker-api-key > "$WORK/chart-rbac.yaml"
cat > "$SECRETS/objects.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: flows-worker-api-key
  namespace: $NAMESPACE
stringData:
  key: $API_KEY
YAML
SERVER= FAKE_PID= WORKER=
cleanup() {
  kill ${WORKER:-} ${SERVER:-} ${FAKE_PID:-} 2>/dev/null || true; wait ${FAKE_PID:-} 2>/dev/null || true
  docker rm -f $(docker ps -aq --filter label=flows.sweep="$PORT") >/dev/null 2>&1 || true
  [ -s "$STATE/node-id" ] && docker rm -f $(docker ps -aq --filter "label=flows.fake-node=$(cat "$STATE/node-id")") >/dev/null 2>&1 || true
  rm -rf "$SECRETS"
}
trap cleanup EXIT
"${FAKE[@]}" --state-dir "$STATE" --namespace "$NAMESPACE" --rbac --docker-node --clock-rate 10 \
  --apply "$WORK/chart-rbac.yaml" --apply "$SECRETS/objects.yaml" --kubeconfig-from "$NAMESPACE/flows-worker-token" > "$OUT/fake.log" 2>&1 &
FAKE_PID=$!
FLOWS_SERVER_API_KEYS="$API_KEY" "${CLI[@]}" server start --port "$PORT" > "$OUT/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do [ -s "$STATE/url" ] && curl -fs -H "Authorization: Bearer $API_KEY" "$PREFECT_API_URL/health" >/dev/null && break; sleep 0.5; done
[ -s "$STATE/url" ] || { echo "the fake API server did not start:" >&2; cat "$OUT/fake.log" >&2; exit 1; }
FAKE_URL=$(cat "$STATE/url")
"${CLI[@]}" work-pool create kubernetes --type kubernetes --set namespace="$NAMESPACE" --set finished_job_ttl=600 --set pod_watch_timeout_seconds=300 > "$OUT/pool-kubernetes.log"
"${CLI[@]}" work-pool create sweep-docker --type docker --set 'labels={"flows.sweep":"'"$PORT"'"}' > "$OUT/pool-docker.log"

echo "==> flows-deploy deploy --dry-run, then a real deploy pushing to localhost:5001 with the password"
export PREFECT_IMAGE_NAME=localhost:5001/flows-sweep
"${CLI[@]}" deploy --all --project samples/hello --pool sweep-docker --dry-run -o json > "$OUT/plan.json" 2> "$OUT/plan.err"
"${CLI[@]}" deploy --all --project samples/hello --pool sweep-docker -o json \
  --property ContainerBaseImage=localhost:5000/dotnet/runtime:10.0 > "$OUT/deploy.json" 2> "$OUT/deploy.err"

echo "==> a docker worker runs hello/default (pulling from localhost:5001 with the password; the key as a file)"
"${CLI[@]}" worker start --pool sweep-docker --type docker > "$OUT/docker-worker.log" 2>&1 &
WORKER=$!
"${CLI[@]}" deployment run hello/default --watch --watch-timeout 300 > "$OUT/docker-run.log" 2>&1
kill "$WORKER"; wait "$WORKER" || true; WORKER=
docker inspect $(docker ps -aq --filter label=flows.sweep="$PORT") > "$OUT/docker-inspect.json"

echo "==> dotnet publish -p:DeployFlows=true (localhost:5000), a kubernetes worker runs hello/arthur on the fake node"
export PREFECT_IMAGE_NAME=localhost:5000/flows-sweep
dotnet publish samples/hello -c Release -p:DeployFlows=true -p:ContainerBaseImage=localhost:5000/dotnet/runtime:10.0 \
  -p:MSBuildWarningsNotAsErrors=FLOWS3502 -v n --nologo > "$OUT/publish.log" 2>&1 || { cat "$OUT/publish.log" >&2; exit 1; }
KUBECONFIG="$STATE/kubeconfig" PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_NAME=flows-worker-api-key \
  PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_KEY=key \
  "${CLI[@]}" worker start --pool kubernetes --type kubernetes > "$OUT/kubernetes-worker.log" 2>&1 &
WORKER=$!
"${CLI[@]}" deployment run hello/arthur --watch --watch-timeout 300 > "$OUT/kubernetes-run.log" 2>&1
kill "$WORKER"; wait "$WORKER" || true; WORKER=
ADMIN=(-fsS -H "Authorization: Bearer $(cat "$STATE/admin-token")")
curl "${ADMIN[@]}" "$FAKE_URL/apis/batch/v1/namespaces/$NAMESPACE/jobs" > "$OUT/kubernetes-jobs.json"
curl "${ADMIN[@]}" "$FAKE_URL/api/v1/namespaces/$NAMESPACE/pods" > "$OUT/kubernetes-pods.json"
curl "${ADMIN[@]}" "$FAKE_URL/api/v1/namespaces/$NAMESPACE/secrets" > "$SECRETS/kubernetes-secrets.json"
grep -q '"kind":"Job"' "$OUT/kubernetes-jobs.json" || { echo "no Job stored: the kubernetes run did not happen" >&2; exit 1; }

echo "==> what the API and the UI show"
AUTH=(-fsS -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json')
for resource in flows deployments flow_runs work_pools logs variables; do
  curl "${AUTH[@]}" -X POST -d '{}' "$PREFECT_API_URL/$resource/filter" > "$OUT/api-$resource.json"
done
BASE="http://127.0.0.1:$PORT"
for page in / /deployments /work-pools $(grep -ho '/runs/flow-run/[0-9a-f-]*' "$OUT/docker-run.log" "$OUT/kubernetes-run.log" | sed 's|/flow-run||' | sort -u); do
  curl -fsS -H "Authorization: Bearer $API_KEY" "$BASE$page" > "$OUT/ui$(tr '/' '_' <<<"$page").html"
done
ls "$OUT"/ui_runs_* >/dev/null 2>&1 || { echo "no run page: the runs printed no link" >&2; exit 1; }
kill "$SERVER"; wait "$SERVER" || true; SERVER=   # the database files are complete once the server stops

echo "==> the sweep"
swept=("$WORK" "$FLOWS_HOME" samples/hello)
files=$(find "${swept[@]}" -type f | wc -l)
bytes=$(find "${swept[@]}" -type f -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
leaks=0
for name in API_KEY REGISTRY_PASSWORD REGISTRY_AUTH AWS_SECRET; do
  secret="${!name}"
  for form in "$secret" "$(printf %s "$secret" | base64 -w0)"; do
    rc=0; hits=$(grep -rlaF -- "$form" "${swept[@]}") || rc=$?
    case $rc in
      0) echo "LEAK: $name found in:" >&2; sed 's/^/  /' <<<"$hits" >&2; leaks=$((leaks + 1)) ;;
      1) ;;   # not found
      *) echo "grep could not read everything it was to sweep (exit $rc)" >&2; exit 1 ;;
    esac
  done
done
# The control: the one place the key must be is the Secret the pods read it from.
grep -qF "$(printf %s "$API_KEY" | base64 -w0)" "$SECRETS/kubernetes-secrets.json" || { echo "the key's Secret does not hold the key: the sweep cannot be trusted" >&2; exit 1; }
grep -q 'Completed' "$OUT/docker-run.log" && grep -q 'Completed' "$OUT/kubernetes-run.log" || { echo "a run did not complete" >&2; exit 1; }
[ "$leaks" = 0 ] || exit 1
echo "Swept $files files ($bytes bytes) for 4 secrets, plain and base64: none found; the key only in its Kubernetes Secret ($((SECONDS - started)) s)."
