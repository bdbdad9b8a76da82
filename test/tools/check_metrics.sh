#!/bin/sh
# Checks a Prometheus text exposition read on stdin with `promtool check metrics`, prints promtool's output
# (lint warnings included) and exits with promtool's status: only a non-zero status means the text is invalid.
# promtool is in Debian's `prometheus` package: apt-get install -y --no-install-recommends prometheus
set -u
promtool=${PROMTOOL:-promtool}
if ! command -v "$promtool" >/dev/null 2>&1; then
    echo "check_metrics.sh: promtool not found (apt-get install -y --no-install-recommends prometheus)" >&2
    exit 127
fi
"$promtool" check metrics 2>&1
status=$?
echo "check_metrics.sh: promtool exit status $status"
exit "$status"
