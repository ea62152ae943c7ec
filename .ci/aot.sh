#!/usr/bin/env bash
# Installs what Native AOT publishing needs on linux-x64 (`dotnet publish -p:PublishAot=true`): clang, which the ILCompiler
# package drives as its linker, and lld, and zlib's headers it links against. The ILCompiler packages themselves come
# from NuGet on restore. Idempotent; as root on a fresh Debian with only the Debian mirror reachable.
set -euo pipefail

if command -v clang >/dev/null && command -v ld.lld >/dev/null && [ -e /usr/include/zlib.h ]; then
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang lld zlib1g-dev >/dev/null
