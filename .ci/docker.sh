#!/usr/bin/env bash
# Installs and starts the Docker Engine the docker worker tests (tests/Flows.Workers.Tests) need, offline:
#   - Debian docker.io 20.10: dockerd started by hand (no systemd here) on unix:///var/run/docker.sock
#     (API 1.41), overlay2 storage, cgroupfs driver, localhost:5000/5001 (registry.sh) as insecure registries.
# The tests pull localhost:5000/dotnet/runtime:10.0 and localhost:5001/... (user AWS), so run registry.sh first.
# Idempotent: a dockerd this script started (PID file) is left alone; a socket answered by a dockerd it did not
# start is used as it is. State lives in $FLOWS_CI_DIR/docker (default /var/tmp/flows-ci/docker).
# Adapted from ../shared/lab/lab.sh (kept here because CI runs on a clean clone without ../shared).
set -euo pipefail

CI_DIR="${FLOWS_CI_DIR:-/var/tmp/flows-ci}"
D="$CI_DIR/docker"
RUN="$CI_DIR/run"
SOCK=/var/run/docker.sock
mkdir -p "$D/data" "$D/exec" "$RUN"

if ! command -v dockerd >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

ping() { curl -sf --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1; }
running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if ping; then
  echo "docker engine: unix://$SOCK (already running)"
  exit 0
fi
if running "$RUN/dockerd.pid"; then
  echo "dockerd (pid $(cat "$RUN/dockerd.pid")) is running but $SOCK does not answer; see $D/dockerd.log" >&2
  exit 1
fi

cat > "$D/daemon.json" <<JSON
{"data-root": "$D/data", "exec-root": "$D/exec", "storage-driver": "overlay2",
 "insecure-registries": ["localhost:5000", "localhost:5001"], "exec-opts": ["native.cgroupdriver=cgroupfs"]}
JSON
rm -f "$SOCK"
nohup dockerd --config-file "$D/daemon.json" --pidfile "$RUN/dockerd.pid" -H "unix://$SOCK" >> "$D/dockerd.log" 2>&1 &
for _ in $(seq 1 150); do ping && break; sleep 0.2; done
ping || { echo "dockerd did not answer on $SOCK; see $D/dockerd.log" >&2; exit 1; }
echo "docker engine: unix://$SOCK"
