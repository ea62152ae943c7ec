#!/usr/bin/env bash
# Publish bench (issue: dotnet publish -p:DeployFlows=true). One script, ratios measured in the same run:
#   overhead  = dotnet publish -p:DeployFlows=true  ÷  bare dotnet publish -t:PublishContainer to the same registry
#               (target ≤ 1.15); every timed publish compiles a changed source and pushes a new image;
#   no-change = a second DeployFlows publish of the same commit: blobs uploaded (target 0), and its time ÷ a no-op
#               `dotnet publish` (no DeployFlows) of the same project (target ≤ 1.3);
#   sharing   = 20 deployments sharing one image ÷ 1 deployment, both DeployFlows publishes (target ≤ 1.2).
# Medians over ROUNDS rounds; the order of the two sides alternates per round.
# Usage: bash bench/publish/run.sh [ROUNDS=3]   — needs the registry on localhost:5000 with .NET base images
# (bash .ci/registry.sh). Uses a copy of samples/hello in its own git repository, the Flows.Build package packed
# into a private feed, and the embedded server (flows-deploy server start) on a free port.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${1:-3}
BASE=localhost:5000/dotnet/runtime:10.0
WORK=$(mktemp -d /tmp/flows-bench-publish-XXXXXX)
APP=$WORK/app
VERSION=0.1.0-bench$(date +%s)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
curl -fs http://localhost:5000/v2/ >/dev/null || { echo "no registry on localhost:5000: run bash .ci/registry.sh" >&2; exit 2; }

echo "==> packing Flows.Build $VERSION, building flows-deploy"
dotnet pack "$ROOT/src/Flows.Build" -c Release -o "$WORK/feed" -p:PackageVersion="$VERSION" -v q --nologo >/dev/null
dotnet build "$ROOT/src/Flows.Cli" -c Release -v q --nologo >/dev/null
CLI=(dotnet "$ROOT/src/Flows.Cli/bin/Release/net10.0/flows-deploy.dll")

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export FLOWS_HOME=$WORK/home PREFECT_API_URL=http://127.0.0.1:$PORT/api
"${CLI[@]}" server start --port "$PORT" > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 80); do curl -fs "$PREFECT_API_URL/health" >/dev/null && break; sleep 0.25; done
"${CLI[@]}" work-pool create kubernetes --type kubernetes >/dev/null

mkdir -p "$APP"
cp "$ROOT/samples/hello/HelloFlows.cs" "$ROOT/samples/hello/Program.cs" "$ROOT/samples/hello/prefect.yaml" "$APP/"
cat > "$APP/hello.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <Import Project="$ROOT/src/Flows/build/Flows.props" />
  <PropertyGroup>
    <OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings><RootNamespace>Hello</RootNamespace><AssemblyName>hello</AssemblyName>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$ROOT/src/Flows/Flows.csproj" />
    <ProjectReference Include="$ROOT/src/Flows.Generators/Flows.Generators.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
    <PackageReference Include="Flows.Build" Version="$VERSION" PrivateAssets="all" />
  </ItemGroup>
</Project>
XML
cat > "$APP/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources><clear /><add key="bench" value="$WORK/feed" /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources>
  <packageSourceMapping>
    <packageSource key="bench"><package pattern="Flows.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
printf 'bin/\nobj/\n' > "$APP/.gitignore"
# The seed shape with 1 and with 20 deployments sharing the one image.
python3 - "$APP" <<'PY'
import sys
app = sys.argv[1]
seed = open(f"{app}/prefect.yaml").read()
head, _ = seed.split("deployments:", 1)
for n in (1, 20):
    body = "".join(f"""- name: "d{i}"
  tags: *common_tags
  entrypoint: "HelloFlows.cs:hello"
  parameters:
    name: "N{i}"
  work_pool: *common_work_pool
""" for i in range(n))
    open(f"{app}/prefect-{n}.yaml", "w").write(head + "deployments:\n" + body)
PY
git -C "$APP" init -q . && git -C "$APP" add -A && git -C "$APP" -c user.email=b@b -c user.name=bench commit -qm initial

N=0
change() {  # a new commit with a changed source file, so the next publish compiles and pushes a new image
  N=$((N + 1))
  echo "// change $N" >> "$APP/HelloFlows.cs"
  git -C "$APP" add -A && git -C "$APP" -c user.email=b@b -c user.name=bench commit -qm "change $N"
}
seconds() { python3 -c 'import sys,time; print(f"{time.time():.3f}")'; }
timed() {  # timed LABEL command… ; appends "LABEL SECONDS" to $WORK/times
  local label=$1; shift
  local start end
  start=$(seconds)
  "$@" > "$WORK/last.log" 2>&1 || { cat "$WORK/last.log" >&2; echo "$label failed" >&2; exit 1; }
  end=$(seconds)
  python3 -c "print('$label', round($end - $start, 3))" | tee -a "$WORK/times"
}
bare() {
  local sha; sha=$(git -C "$APP" rev-parse --short HEAD)
  dotnet publish "$APP/hello.csproj" -c Release -t:PublishContainer -p:ContainerRuntimeIdentifier=linux-x64 \
    -p:ContainerRegistry=localhost:5000 -p:ContainerRepository=bench-bare -p:ContainerImageTag="$sha" \
    -p:ContainerBaseImage=$BASE -v q --nologo
}
deploy() {  # deploy [prefect file]
  PREFECT_IMAGE_NAME=localhost:5000/bench-deploy dotnet publish "$APP/hello.csproj" -c Release -p:DeployFlows=true \
    -p:ContainerBaseImage=$BASE ${1:+-p:FlowsPrefectFile=$1} -v q --nologo
}

echo "==> warm-up (restore, first builds, base image layers in both repositories)"
change; bare >/dev/null; deploy >/dev/null; change; deploy "$APP/prefect-20.yaml" >/dev/null

echo "==> $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then
    change; timed bare bare; change; timed deploy deploy
    change; timed one deploy "$APP/prefect-1.yaml"; change; timed twenty deploy "$APP/prefect-20.yaml"
  else
    change; timed deploy deploy; change; timed bare bare
    change; timed twenty deploy "$APP/prefect-20.yaml"; change; timed one deploy "$APP/prefect-1.yaml"
  fi
done

echo "==> no-change republish of a clean commit vs a no-op dotnet publish (no DeployFlows) of the same project"
noop() { dotnet publish "$APP/hello.csproj" -c Release -v q --nologo; }
noop >/dev/null  # the no-op side starts from its own up-to-date publish output
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then timed again deploy; timed noop noop; else timed noop noop; timed again deploy; fi
done
IMAGE_JSON=$APP/obj/Release/flows/image.json
python3 - "$WORK/times" "$IMAGE_JSON" <<'PY'
import json, statistics, sys
times = {}
for line in open(sys.argv[1]):
    label, value = line.split()
    times.setdefault(label, []).append(float(value))
m = {k: statistics.median(v) for k, v in times.items()}
image = json.load(open(sys.argv[2]))
print()
print(f"{'measure':<58} {'value':>10} {'target':>8}")
print(f"{'bare PublishContainer, median s':<58} {m['bare']:>10.2f}")
print(f"{'DeployFlows=true publish, median s':<58} {m['deploy']:>10.2f}")
print(f"{'overhead (deploy / bare)':<58} {m['deploy'] / m['bare']:>10.2f} {'<= 1.15':>8}")
print(f"{'no-change republish: blobs uploaded (pushed: ' + str(image['pushed']).lower() + ')':<58} {image['blobs_uploaded']:>10} {'0':>8}")
print(f"{'no-change republish of a clean commit, median s':<58} {m['again']:>10.2f}")
print(f"{'no-op dotnet publish (no DeployFlows), median s':<58} {m['noop']:>10.2f}")
print(f"{'no-change republish / no-op publish':<58} {m['again'] / m['noop']:>10.2f} {'<= 1.3':>8}")
print(f"{'1 deployment, median s':<58} {m['one']:>10.2f}")
print(f"{'20 deployments sharing one image, median s':<58} {m['twenty']:>10.2f}")
print(f"{'sharing (20 / 1)':<58} {m['twenty'] / m['one']:>10.2f} {'<= 1.2':>8}")
PY
