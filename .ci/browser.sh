#!/usr/bin/env bash
# Installs what the web UI's browser tests need (tests/Flows.Ui.Tests): Debian's chromium at /usr/bin/chromium
# and the pinned playwright-core from tests/Flows.Ui.Tests/browser/package-lock.json (npm ci; no browser
# download: the tests launch /usr/bin/chromium). Idempotent: safe to run again. As root on a fresh Debian 12
# with only the Debian and npm registries reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

browser=tests/Flows.Ui.Tests/browser
# npm ci only when the installed playwright-core is not the locked one.
want=$(node -p "require('./$browser/package-lock.json').packages['node_modules/playwright-core'].version")
have=$(node -p "try { require('./$browser/node_modules/playwright-core/package.json').version } catch { '' }")
if [ "$want" != "$have" ]; then
  (cd "$browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
echo "browser: $(chromium --version 2>/dev/null), playwright-core $(node -p "require('./$browser/node_modules/playwright-core/package.json').version")"
