#!/usr/bin/env bash
# Installs Node (from apt, when no Node 18+ with npm is on the PATH) and the Node reference with its
# locked dependencies (npm ci) into BUILD_DIR/bench/node_reference/, as root on Debian 12.
# Idempotent: the dependencies are installed again only when package-lock.json changed.
# Prints only errors.
#   bench/node_reference/install.sh [BUILD_DIR]      (default: build/release)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build/release}
dest="$build/bench/node_reference"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# A machine may have Node from elsewhere (nodesource ships npm inside its nodejs package): keep it
# when it is recent enough rather than fight it with Debian's packages.
if [ "$(node_major)" -lt 18 ] || ! command -v npm >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    missing=()
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    [ ${#missing[@]} -gt 0 ] || missing=(nodejs)  # there, but older than 18
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    [ "$(node_major)" -ge 18 ] || { echo "install.sh: Node $(node_major) is too old (need 18+)" >&2; exit 1; }
fi

mkdir -p "$dest"
cp "$here/server.js" "$here/package.json" "$dest/"
if ! cmp -s "$here/package-lock.json" "$dest/package-lock.json" || [ ! -d "$dest/node_modules" ]; then
    cp "$here/package-lock.json" "$dest/"
    (cd "$dest" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null) || {
        # A half-installed tree must not pass for a good one next time.
        rm -rf "$dest/node_modules" "$dest/package-lock.json"
        echo "install.sh: npm ci failed in $dest" >&2
        exit 1
    }
fi
