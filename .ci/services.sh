#!/usr/bin/env bash
# Installs and starts every service the tests need (idempotent; as root on a fresh Debian with only the
# Debian, NuGet and npm registries reachable). Each script says what it starts and where its state lives.
set -euo pipefail
cd "$(dirname "$0")"

bash ./postgres.sh   # PostgreSQL 15 on 127.0.0.1:5432 (server tests)
bash ./registry.sh   # OCI registries on localhost:5000/5001 and .NET base images (publish tests)
bash ./docker.sh     # Docker Engine on /var/run/docker.sock (docker worker tests; after registry.sh)
bash ./helm.sh       # helm and kubectl into .tools/bin (chart tests)
bash ./browser.sh    # chromium and the pinned playwright-core (web UI browser tests)
bash ./aot.sh        # clang and lld for Native AOT publishes (lean image tests, bench/images)
