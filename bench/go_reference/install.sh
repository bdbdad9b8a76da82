#!/usr/bin/env bash
# Installs Go, the MySQL driver and segmentio/ksuid from Debian 12's apt when missing (no Go module
# download), and builds the Go reference server into build/release/bench/go_reference/go_reference.
# Idempotent; prints only errors. Run as root, from anywhere.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build/release/bench/go_reference"

packages=(golang-go golang-github-go-sql-driver-mysql-dev golang-github-segmentio-ksuid-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    # Another installer may hold the dpkg lock for a while: wait for it instead of failing.
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$out"
# GOPATH mode over Debian's packaged sources (/usr/share/gocode/src): no go.mod, no network.
cd "$top"
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$top/build/gocache" GOFLAGS= \
    go build -trimpath -o "$out/go_reference" ./bench/go_reference
