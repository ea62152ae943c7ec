#!/usr/bin/env bash
# The README's way to the flows-deploy tool, run as written: pack it into the repository's local feed, restore it as a
# local tool (.config/dotnet-tools.json; nuget.config maps Flows.* to artifacts/feed, which is why no --add-source:
# NuGet refuses --add-source together with package source mapping), and run it with `dotnet tool run flows-deploy`:
# a dry run of the seed's deployments (the tool builds samples/hello first) and `dev samples/hello`, the whole local
# loop (embedded server, process pool, both seed runs Completed). Needs only the SDK and NuGet.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${FLOWS_PORT:-4200}"
export FLOWS_HOME="${FLOWS_HOME:-$PWD/.flows-tool}"
export PREFECT_IMAGE_NAME="${PREFECT_IMAGE_NAME:-localhost:5000/hello}"
# The dry run must not find a server another script left running on the default port.
unset PREFECT_API_URL PREFECT_API_KEY

echo "==> dotnet pack src/Flows.Cli -c Release -o artifacts/feed"
dotnet pack src/Flows.Cli -c Release -o artifacts/feed -v q --nologo
# NuGet caches a version forever, and this checkout's version does not change between commits: take this pack's tool.
VERSION=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/flows.cli/$VERSION"

echo "==> dotnet tool restore"
dotnet tool restore

echo "==> dotnet tool run flows-deploy --help"
dotnet tool run flows-deploy --help > /dev/null

echo "==> dotnet tool run flows-deploy deploy --all --dry-run --project samples/hello"
PLAN=$(dotnet tool run flows-deploy deploy --all --dry-run -o json --project samples/hello)
for deployment in default arthur; do
  grep -q "\"name\": \"$deployment\"" <<< "$PLAN" || { echo "the dry run did not plan hello/$deployment" >&2; exit 1; }
done

echo "==> dotnet tool run flows-deploy dev samples/hello --port $PORT"
dotnet tool run flows-deploy dev samples/hello --port "$PORT"
echo "The tool from artifacts/feed ran the dry run and the dev loop (both runs Completed)."
