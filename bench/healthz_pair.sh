#!/usr/bin/env bash
# bench/healthz_pair.sh: GET /healthz on moonkeyd against bench_hello, the same way bench/run measures it
# (wrk -t2 -c32 --latency -s bench/healthz.lua, both servers with --threads 2), but alone and repeated:
# PAIRS alternating runs (hello then moonkeyd, then moonkeyd then hello, ...) so that a drift of the
# machine favours neither side. Prints each run, then the median of the per-pair throughput ratios and
# the median CPU per request (utime+stime of the server from /proc/PID/stat) of each server.
#
#   bench/healthz_pair.sh DATABASE_URL          (or MK_TEST_DATABASE_URL set; healthz never queries it)
#
# Environment: PAIRS=3, SECONDS_PER_RUN=10, CONNECTIONS=32; NO_BUILD=1 to skip `tools/build.sh Release`;
# BUILD_DIR=DIR to measure the binaries of another build as they are (DIR/app/moonkeyd and
# DIR/bench/bench_hello; no build); PERF_DIR=DIR to also record `perf record -g` of each server during
# one more run of each (DIR/moonkeyd.perf.data, DIR/hello.perf.data, the binaries in DIR/bin; in those
# runs perf's own CPU shows as "other"). Builds under /tmp/mk/build.lock when it exists and measures
# holding /tmp/mk/bench.lock and /tmp/mk/build.lock, so that no other measurement or build overlaps it
# (other processes still can: the "other" column of each run shows how much of the cores they took).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

db_url=${1:-${MK_TEST_DATABASE_URL:-}}
[ -n "$db_url" ] || { echo "usage: bench/healthz_pair.sh DATABASE_URL (or set MK_TEST_DATABASE_URL)" >&2; exit 2; }
pairs=${PAIRS:-3}
secs=${SECONDS_PER_RUN:-10}
connections=${CONNECTIONS:-32}
build=${BUILD_DIR:-}
perf_dir=${PERF_DIR:-}
clk_tck=$(getconf CLK_TCK)
py=/usr/bin/python3
build_lock=/tmp/mk/build.lock
bench_lock=/tmp/mk/bench.lock
with_lock() {  # with_lock FILE CMD...: runs CMD holding FILE's flock when the lock directory exists
    if [ -d "$(dirname "$1")" ]; then flock "$1" "${@:2}"; else "${@:2}"; fi
}

if [ -z "$build" ] && [ -z "${NO_BUILD:-}" ]; then
    if ! with_lock "$build_lock" tools/build.sh Release >/dev/null 2>/tmp/healthz_pair.build.$$; then
        echo "healthz_pair: the full build failed; building moonkeyd and bench_hello only" >&2
        CCACHE_DIR=${CCACHE_DIR:-$top/build/ccache} with_lock "$build_lock" \
            cmake --build "$top/build/release" -j "$(nproc)" --target moonkeyd bench_hello >/dev/null 2>>/tmp/healthz_pair.build.$$ ||
            { tail -n 30 /tmp/healthz_pair.build.$$ >&2; exit 1; }
    fi
    rm -f /tmp/healthz_pair.build.$$
fi
build=${build:-$top/build/release}

work=$(mktemp -d /tmp/healthz_pair.XXXXXX)
pids=()
# Private copies of the binaries: a rebuild while this runs neither changes them nor hides their
# symbols from perf (kept in PERF_DIR for perf report).
bin=${perf_dir:-$work}/bin
mkdir -p "$bin"
cp "$build/bench/bench_hello" "$build/app/moonkeyd" "$bin/"
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

cpu_ticks() { local s; s=$(cat "/proc/$1/stat"); s=${s##*) }; echo "$s" | awk '{print $12 + $13}'; }
wait_ok() {  # wait_ok URL PID
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

"$bin/bench_hello" --listen 127.0.0.1:0 --threads 2 >"$work/hello.out" 2>&1 &
hello_pid=$!
pids+=("$hello_pid")
for _ in $(seq 1 100); do [ -s "$work/hello.out" ] && break; sleep 0.1; done
hello_port=$(head -n 1 "$work/hello.out")
hello_port=${hello_port##*:}

mk_port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
secret=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
"$bin/moonkeyd" --listen "127.0.0.1:$mk_port" --threads 2 --access_log false --secret "$secret" \
    --database_url "$db_url" >"$work/moonkeyd.log" 2>&1 &
mk_pid=$!
pids+=("$mk_pid")
wait_ok "http://127.0.0.1:$hello_port/healthz" "$hello_pid" || { cat "$work/hello.out" >&2; exit 1; }
wait_ok "http://127.0.0.1:$mk_port/healthz" "$mk_pid" || { tail "$work/moonkeyd.log" >&2; exit 1; }

machine_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8; exit}' /proc/stat; }
machine_steal() { awk '/^cpu / {print $9; exit}' /proc/stat; }
# thread_ticks PID: "TID:TICKS ..." for each thread that has used CPU (SO_REUSEPORT spreads connections
# by a hash: when one core's thread gets most of them, it saturates while the other idles)
thread_ticks() {
    local t s
    for t in /proc/"$1"/task/*; do
        s=$(cat "$t/stat"); s=${s##*) }
        echo "$s" | awk -v t="${t##*/}" '$12 + $13 > 0 {printf "%s:%d ", t, $12 + $13}'
    done
}

# run NAME PID PORT: one wrk run; appends "NAME req/s CPU-us/req" to $work/runs, and prints besides the
# share of both cores busy with neither the server nor wrk (another process disturbing the run).
run() {
    local name=$1 pid=$2 port=$3 c0 c1 m0 m1 st0 st1 th0 th1 rps
    c0=$(cpu_ticks "$pid")
    m0=$(machine_busy)
    st0=$(machine_steal)
    th0=$(thread_ticks "$pid")
    bash -c 'wrk "$@"; times >&3' wrk -t2 -c"$connections" -d"${secs}s" --latency -s bench/healthz.lua \
        "http://127.0.0.1:$port/healthz" >"$work/wrk.txt" 2>&1 3>"$work/wrk.times"
    c1=$(cpu_ticks "$pid")
    m1=$(machine_busy)
    st1=$(machine_steal)
    th1=$(thread_ticks "$pid")
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
    if grep -q 'Non-2xx\|Socket errors' "$work/wrk.txt"; then echo "healthz_pair: errors in $name:" >&2; cat "$work/wrk.txt" >&2; fi
    local wrk_s  # user + system seconds of wrk (second line of `times`: the children)
    wrk_s=$(sed -n 2p "$work/wrk.times" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] } print n }')
    local threads  # each busy thread's share of a core during the run
    threads=$(awk -v a="$th0" -v b="$th1" -v t="$clk_tck" -v s="$secs" 'BEGIN {
        n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, ":"); before[kv[1]] = kv[2] }
        n = split(b, y, " "); for (i = 1; i <= n; i++) { split(y[i], kv, ":"); d = kv[2] - before[kv[1]]
            if (d > 0) printf "%s%.0f", (out++ ? "/" : ""), 100 * d / t / s } }')
    awk -v n="$name" -v r="$rps" -v c=$((c1 - c0)) -v m=$((m1 - m0)) -v w="$wrk_s" -v t="$clk_tck" -v s="$secs" \
        -v st=$((st1 - st0)) -v th="$threads" \
        'BEGIN { printf "%-9s %10.0f req/s %7.2f us CPU/req   (server %3.0f%% = %s, wrk %3.0f%%, other %3.0f%%, steal %.0f%% of 200%%)\n",
                 n, r, 1e6 * c / t / (r * s), 100 * c / t / s, th, 100 * w / s, 100 * (m / t - c / t - w) / s, 100 * st / t / s }' |
        tee -a "$work/runs"
}

measure() {
    # Warm-up: the allocator, the page cache of both binaries, the connection setup paths.
    wrk -t2 -c"$connections" -d1s -s bench/healthz.lua "http://127.0.0.1:$hello_port/healthz" >/dev/null
    wrk -t2 -c"$connections" -d1s -s bench/healthz.lua "http://127.0.0.1:$mk_port/healthz" >/dev/null
    for i in $(seq 1 "$pairs"); do
        if [ $((i % 2)) = 1 ]; then
            run hello "$hello_pid" "$hello_port"; run moonkeyd "$mk_pid" "$mk_port"
        else
            run moonkeyd "$mk_pid" "$mk_port"; run hello "$hello_pid" "$hello_port"
        fi
    done
    if [ -n "$perf_dir" ]; then
        mkdir -p "$perf_dir"
        local name pid port
        for name in moonkeyd hello; do
            if [ "$name" = moonkeyd ]; then pid=$mk_pid port=$mk_port; else pid=$hello_pid port=$hello_port; fi
            perf record -g -o "$perf_dir/$name.perf.data" -p "$pid" -- sleep "$secs" 2>/dev/null &
            local perf_pid=$!
            run "$name-perf" "$pid" "$port"
            wait "$perf_pid" || true
        done
    fi
}
export -f run measure cpu_ticks machine_busy machine_steal thread_ticks
export work secs connections clk_tck hello_pid hello_port mk_pid mk_port pairs perf_dir
# The build lock too: a compiler on the 2 cores would take a varying share of them from the runs.
measure_cmd=(bash -c 'set -euo pipefail; measure')
if [ -d "$(dirname "$bench_lock")" ]; then measure_cmd=(flock "$bench_lock" flock "$build_lock" "${measure_cmd[@]}"); fi
"${measure_cmd[@]}"

"$py" - "$work/runs" <<'PY'
import statistics, sys
runs = [line.split() for line in open(sys.argv[1])]
hello = [(float(r[1]), float(r[3])) for r in runs if r[0] == "hello"]
mk = [(float(r[1]), float(r[3])) for r in runs if r[0] == "moonkeyd"]
ratios = [m[0] / h[0] for h, m in zip(hello, mk)]
cpu_h = statistics.median(h[1] for h in hello)
cpu_m = statistics.median(m[1] for m in mk)
print("pair ratios moonkeyd/hello: " + " ".join("%.3f" % r for r in ratios))
print("median throughput ratio:    %.3f" % statistics.median(ratios))
print("median CPU/req:             moonkeyd %.2f us, bench_hello %.2f us (%.2fx)" % (cpu_m, cpu_h, cpu_m / cpu_h))
PY
