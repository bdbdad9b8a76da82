#!/usr/bin/env bash
# Installs everything moonkeyd needs to build, run and test on Debian 12, as root.
# Debian's libmysqlcppconn-dev and libphonenumber-dev depend on Boost 1.74's dev packages, which
# conflict with Boost 1.81 (needed for Boost.JSON and Boost.URL); we install their runtime
# libraries with apt and unpack the two dev packages into build/deps (a build-local prefix).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
prefix="$top/build/deps"

packages=(
    build-essential cmake ninja-build ccache pkg-config git ca-certificates curl
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-test1.81-dev
    libboost-program-options1.81-dev libboost-system1.81-dev
    libmysqlcppconn7v5 libphonenumber8 libgeocoding8 libprotobuf-dev libabsl-dev libicu-dev
    libssl-dev libsystemd-dev clang-14 libclang-rt-14-dev
    mariadb-server mariadb-client
    python3 python3-aiosmtpd systemd openssl python3-jwt python3-cryptography prometheus nginx-light wrk
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # The system MariaDB and nginx services are not used; keep their package scripts from starting them.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f "$prefix/.done" ]; then
    echo "unpacking libmysqlcppconn-dev and libphonenumber-dev into $prefix"
    rm -rf "$prefix" && mkdir -p "$prefix/debs"
    (cd "$prefix/debs" && apt-get download -qq libmysqlcppconn-dev libphonenumber-dev)
    for deb in "$prefix"/debs/*.deb; do dpkg-deb -x "$deb" "$prefix"; done
    touch "$prefix/.done"
fi
