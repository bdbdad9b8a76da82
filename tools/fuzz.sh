#!/usr/bin/env bash
# Builds the libFuzzer targets of test/fuzz with clang (ASan + UBSan) into build/fuzz and runs each for
# SECONDS (default 60) on a copy of its seed corpus test/fuzz/corpus/<target>; exits non-zero when any
# target reports a crash, a leak, undefined behaviour, a timeout or a broken invariant. `tools/fuzz.sh 0`
# runs every seed once (a regression check); `tools/fuzz.sh 3600` is a longer run. Findings are left in
# build/fuzz/run/<target>/ (crash-*, leak-*, timeout-*), new inputs in its corpus/.
# MK_FUZZ_TARGETS (default "http normalize jwt") picks the targets.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
targets=${MK_FUZZ_TARGETS:-http normalize jwt}
dir="$top/build/fuzz"
export CCACHE_DIR=${CCACHE_DIR:-$top/build/ccache}

if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$top/test/fuzz" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 >&2
fi
cmake --build "$dir" -j "$(nproc)" >&2

# The longest input each target tries: past the 8 KiB header limit; past the 16 KiB token limit.
declare -A max_len=([http]=16384 [normalize]=512 [jwt]=20000)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for target in $targets; do
    work="$dir/run/$target"
    rm -rf "$work" && mkdir -p "$work/corpus"
    cp "$top/test/fuzz/corpus/$target/"* "$work/corpus/"
    if [ "$seconds" = 0 ]; then
        limit=(-runs=0)
    else
        limit=(-max_total_time="$seconds")
    fi
    dict=()
    [ -f "$top/test/fuzz/$target.dict" ] && dict=(-dict="$top/test/fuzz/$target.dict")
    echo "fuzz $target: ${seconds}s on $(ls "$work/corpus" | wc -l) seeds" >&2
    if "$dir/fuzz_$target" "${limit[@]}" -max_len="${max_len[$target]:-4096}" -timeout=10 "${dict[@]}" -print_final_stats=1 \
        -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
        speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
        cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1)
        echo "fuzz $target: ok, $runs runs, $speed exec/s, $cov" >&2
    else
        echo "fuzz $target: FAILED (log: $work/log)" >&2
        grep -E 'ERROR|runtime error|fuzz invariant|SUMMARY|Test unit written' "$work/log" | head -20 >&2 || true
        failed+=("$target")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
