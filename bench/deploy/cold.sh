#!/usr/bin/env bash
# Is code that exists only for speed worth keeping? Its saving on a cold run, measured: bench/deploy built twice, as
# is and with the piece switched off by a patch (in a temporary git worktree of HEAD), each measurement a fresh process
# (`--cold plan|validate N`: the JIT and the libraries' first use included, the runtime's own start left out), the two
# builds alternating, medians. `plan` is what `flows-deploy deploy --dry-run` runs; `validate` what a plain or IDE
# build's ValidateDeployments task runs. Sizes: the seed's shape with 1 deployment, and with 500.
# The piece today: Loading/FastSchemaCheck (its Compile returns null, so every check goes to JsonSchema.Net).
# Usage: bash bench/deploy/cold.sh [ROUNDS=15]   — measures HEAD (commit first).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${1:-15}
WORK=$(mktemp -d /tmp/flows-bench-cold-XXXXXX)
trap 'git -C "$ROOT" worktree remove --force "$WORK/without" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

echo "==> two builds of bench/deploy at $(git -C "$ROOT" rev-parse --short HEAD): with and without FastSchemaCheck"
git -C "$ROOT" worktree add --detach -q "$WORK/with" HEAD
git -C "$ROOT" worktree add --detach -q "$WORK/without" HEAD
python3 - "$WORK/without/src/Flows.Deploy/Loading/FastSchemaCheck.cs" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
anchor = "        var compiler = new Compiler("
assert anchor in text, "FastSchemaCheck.Compile changed: update the patch"
open(path, "w").write(text.replace(anchor, "        if (schema is not null) { return null; } // bench/deploy/cold.sh: without FastSchemaCheck\n" + anchor, 1))
PY
for variant in with without; do
  dotnet build "$WORK/$variant/bench/deploy" -c Release -v q --nologo >/dev/null
done
trap 'git -C "$ROOT" worktree remove --force "$WORK/with" >/dev/null 2>&1 || true; git -C "$ROOT" worktree remove --force "$WORK/without" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

echo "==> $ROUNDS rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  order="with without"; [ $((r % 2)) -eq 0 ] && order="without with"
  for op in plan validate; do
    for size in 1 500; do
      for variant in $order; do
        ms=$(dotnet "$WORK/$variant/bench/deploy/bin/Release/net10.0/Flows.Deploy.Bench.dll" --cold "$op" "$size")
        echo "$op $size $variant $ms" >> "$WORK/times"
      done
    done
  done
done

python3 - "$WORK/times" <<'PY'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    op, size, variant, ms = line.split()
    times.setdefault((op, int(size), variant), []).append(float(ms))
print(f"\n{'cold run':<40} {'with':>9} {'without':>9} {'saved':>8}   (median ms of {len(next(iter(times.values())))})")
for op, label in (("plan", "deploy --dry-run plan"), ("validate", "build validation")):
    for size in (1, 500):
        w = statistics.median(times[(op, size, "with")]); wo = statistics.median(times[(op, size, "without")])
        print(f"{label + ', ' + str(size) + ' deployment' + ('s' if size > 1 else ''):<40} {w:>9.1f} {wo:>9.1f} {wo - w:>8.1f}")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
