#!/usr/bin/env bash
# One-step set-up on Debian or Ubuntu: the system packages pymem and its tests need, then npm packages.
# Idempotent: a second run checks and returns within seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

# canvas (under chartjs-node-canvas) builds from source here and needs these; prometheus brings
# the server and promtool the end-to-end tests start; victoria-metrics the second backend they
# run the scenarios against (test/support/victoria-metrics.ts); DejaVu is the chart font; chromium is the
# headless browser the playground's end-to-end test drives (through playwright-core).
PACKAGES=(build-essential python3 pkg-config libcairo2-dev libpango1.0-dev libgif-dev libjpeg-dev librsvg2-dev
  fonts-dejavu-core prometheus victoria-metrics chromium)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci builds canvas and better-sqlite3 from source (a couple of minutes the first time) and
# compiles pymem through the prepare script. Skipped when node_modules was installed from this very lock file.
stamp=node_modules/.pymem-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup: npm packages already installed"
  [ -f dist/src/cli/main.js ] || npm run build
else
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
echo "setup: ready"
