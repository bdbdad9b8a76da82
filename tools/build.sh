#!/usr/bin/env bash
# Configures and builds into build/<type> (Release or RelWithDebInfo); prints the build directory.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
type=${1:-RelWithDebInfo}
dir="$top/build/$(echo "$type" | tr '[:upper:]' '[:lower:]')"
export CCACHE_DIR=${CCACHE_DIR:-$top/build/ccache}
if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$top" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" >&2
fi
cmake --build "$dir" -j "$(nproc)" >&2
echo "$dir"
