# shellcheck shell=bash disable=SC2154  # (the globals it reads are set by bench/run)
# bench/scale_phases.sh: the scale phases of bench/run, sourced by it after its helpers (see
# bench/README.md): moonkeyd's memory with many idle keep-alive connections, the overload run at
# 150 % of the sms-new peak, and sms login_or_create with a users table of 10 thousand and of
# 10 million rows. Each phase starts the moonkeyd it needs and stops it; each writes raw/<phase>.json
# (and the usual raw/NAME.wrk.json and .proc.json of its wrk runs) for the report.
#
# Uses bench/run's settings and helpers: $raw, $build, $py, $top, $db_dir, $wrk_threads,
# run_wrk, start_moonkeyd, stop_moonkeyd, warm_up, wait_drained, rss_kb, cpu_ticks, now, say, die,
# started_pids, forget_pid. Helpers of bench/run that read a global ($connections in run_wrk,
# $db_name in db_sql, $moonkeyd_database_url and $moonkeyd_log in start_moonkeyd) are given other
# values for one call with bash's VAR=value prefix on the call, which lasts as long as the call.

# start_rss_series FILE PID: appends "wall_time rss_kb cpu_ticks" of PID to FILE every second
# until stop_rss_series.
rss_series_pid=""
start_rss_series() {
    local file=$1 pid=$2
    : >"$file"
    ( while kill -0 "$pid" 2>/dev/null; do
          echo "$(now) $(rss_kb "$pid") $(cpu_ticks "$pid")" >>"$file"
          sleep 1
      done ) &
    rss_series_pid=$!
    started_pids+=("$rss_series_pid")
}
stop_rss_series() {
    [ -n "$rss_series_pid" ] || return 0
    kill "$rss_series_pid" 2>/dev/null || true
    wait "$rss_series_pid" 2>/dev/null || true
    forget_pid "$rss_series_pid"
    rss_series_pid=""
}

# rss_settled PID: the highest of three RSS samples half a second apart (a figure, not a moment)
rss_settled() {
    local best=0 r
    for _ in 1 2 3; do
        r=$(rss_kb "$1")
        [ "${r:-0}" -gt "$best" ] && best=$r
        sleep 0.5
    done
    echo "$best"
}

# established PORT: TCP connections in state ESTABLISHED whose local port is PORT (server side)
established() { ss -Htn state established "( sport = :$1 )" 2>/dev/null | wc -l; }

# ---------------------------------------------------------------- idle keep-alive connections
# phase_idle_connections N HOLD: N connections to a fresh, warmed-up moonkeyd, one GET /healthz
# each, then idle for HOLD seconds (under idle_timeout); RSS before, while open, after they close.
phase_idle_connections() {
    local n=$1 hold=$2 before open_kb after_kb client out="$raw/idle_connections.out" line="" open_count=0
    moonkeyd_log="$raw/moonkeyd-idle.log" start_moonkeyd webhook --max_connections $((n + 2000))
    warm_up
    before=$(rss_settled "$moonkeyd_pid")
    say "idle connections: $n keep-alive connections to moonkeyd, idle for ${hold}s"
    "$py" "$top/bench/idle_connections.py" --port "$moonkeyd_port" --connections "$n" --hold "$hold" \
        >"$out" 2>"$raw/idle_connections.err" &
    client=$!
    started_pids+=("$client")
    for _ in $(seq 1 1200); do  # up to 120 s to open them all
        line=$(grep -m1 '^open ' "$out" 2>/dev/null || true)
        [ -n "$line" ] && break
        kill -0 "$client" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$line" ] || { cat "$raw/idle_connections.err" >&2; die "the idle-connection client did not open its connections"; }
    sleep 1  # let every session settle into its idle read
    open_count=$(established "$moonkeyd_port")
    open_kb=$(rss_settled "$moonkeyd_pid")
    local client_rc=0
    wait "$client" || client_rc=$?
    forget_pid "$client"
    # Until moonkeyd has seen every close (at most 30 s).
    for _ in $(seq 1 300); do [ "$(established "$moonkeyd_port")" -le 0 ] && break; sleep 0.1; done
    sleep 1
    after_kb=$(rss_settled "$moonkeyd_pid")
    cat >"$raw/idle_connections.json" <<EOF
{"connections": $n, "hold_s": $hold, "client_exit": $client_rc, "established_while_open": $open_count,
 "rss_before_kb": $before, "rss_open_kb": $open_kb, "rss_after_close_kb": $after_kb,
 "client": $(tail -n 1 "$out" | grep '^{' || echo null)}
EOF
    stop_moonkeyd
}

# ---------------------------------------------------------------- overload at 150 % of peak
# phase_overload RATE SECONDS CONNECTIONS: new sms numbers paced at RATE requests/s (open model,
# bench/overload.lua) on a fresh, warmed-up moonkeyd with webhook delivery; RSS every second; then
# the outbox drain.
phase_overload() {
    local rate=$1 secs=$2 conns=$3 pending_at_end drain_s
    moonkeyd_log="$raw/moonkeyd-overload.log" start_moonkeyd webhook
    warm_up
    say "overload: $rate requests/s offered for ${secs}s over $conns connections"
    start_rss_series "$raw/overload.rss.txt" "$moonkeyd_pid"
    # moonkeyd's admission gauges every 2 s: how late its loops run, the batch queue's estimated
    # wait and drain rate, the queue itself, the delivery queue (raw/overload.gauges.txt).
    local gauges_pid
    ( while kill -0 "$moonkeyd_pid" 2>/dev/null; do
          curl -s --max-time 1 "http://127.0.0.1:$moonkeyd_port/metrics" | awk -v t="$(now)" '
              $1 == "moonkey_loop_lag_seconds" { lag = $2 } $1 == "moonkey_db_batch_wait_estimate_seconds" { est = $2 }
              $1 == "moonkey_db_batch_drain_rate" { rate = $2 } $1 == "moonkey_db_batch_queued" { q = $2 }
              $1 == "moonkey_delivery_queue_depth" { d = $2 }
              END { if (lag != "") print t, lag, est, rate, q, d }' >>"$raw/overload.gauges.txt"
          sleep 2
      done ) &
    gauges_pid=$!
    started_pids+=("$gauges_pid")
    # Index block 10 (area codes 404, then 305 past a million requests): no other scenario's.
    connections=$conns run_wrk overload server "$moonkeyd_pid" "$(sms_url)" overload.lua "$secs" -- \
        offset=10000000 threads="$wrk_threads" rate="$rate"
    kill "$gauges_pid" 2>/dev/null || true
    wait "$gauges_pid" 2>/dev/null || true
    forget_pid "$gauges_pid"
    stop_rss_series
    pending_at_end=$(pending_messages)
    drain_s=$(wait_drained 300)
    cat >"$raw/overload.json" <<EOF
{"offered_rate": $rate, "seconds": $secs, "connections": $conns, "pending_at_end": $pending_at_end,
 "drain_after_load_s": $drain_s, "rss_idle_kb": $(head -n 1 "$raw/overload.rss.txt" | awk '{print $2}')}
EOF
    stop_moonkeyd
}

# ---------------------------------------------------------------- 10 thousand vs 10 million users
# create_bench_database DB: a fresh database DB, migrated, with one app whose abuse limits are off
# (as moonkey_bench's); prints "app_id test_secret_key"
create_bench_database() {
    local db=$1 url
    tools/db.sh sql "$db_dir" -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    url=$(tools/db.sh url "$db_dir" "$db")
    "$build/app/moonkeyctl" --database_url "$url" migrate >"$raw/migrate-$db.json"
    "$build/app/moonkeyctl" --database_url "$url" app create --name Bench >"$raw/app-$db.json"
    local app key
    read -r app key < <("$py" -c 'import json,sys; a=json.load(open(sys.argv[1])); print(a["app_id"], a["test"]["secret_key"])' "$raw/app-$db.json")
    for limit in limit_destination limit_ip_send limit_ip_verify limit_prefix limit_daily_sms; do
        "$build/app/moonkeyctl" --database_url "$url" app set "$app" "$limit" off >/dev/null
    done
    echo "$app $key"
}

# seed DB APP USERS NOW NAME: bench/seed_users.py into DB, with the index layout of
# BENCH_SEED_LAYOUT (grown: the number's index as sign-ups leave it; packed: as a sorted bulk
# import leaves it; see seed_users.py); raw/NAME.json holds its timing
seed() {
    local db=$1 app=$2 users=$3 now_s=$4 name=$5
    say "seeding $users users with phone numbers into $db (${BENCH_SEED_LAYOUT:-grown} layout)"
    "$py" "$top/bench/seed_users.py" --users "$users" --app_id "$app" --now "$now_s" \
        --layout "${BENCH_SEED_LAYOUT:-grown}" -- \
        tools/db.sh sql "$db_dir" -N -B "$db" >"$raw/$name.json" 2>"$raw/$name.err" ||
        { cat "$raw/$name.err" >&2; die "seeding $db failed"; }
}

# page_splits: InnoDB's count of B-tree page splits so far (the index_page_splits monitor, which
# phase_table_size turns on)
page_splits() {
    tools/db.sh sql "$db_dir" -N -B -e "SELECT count FROM information_schema.INNODB_METRICS WHERE name = 'index_page_splits'"
}

# number_index_fill DB: {"pages": N, "fill": F} for DB's phone_numbers_unique: its pages in the
# buffer pool (right after the seed, all of them when the pool holds the tables) and their mean
# share of bytes in use, i.e. how full the seed left the index (INNODB_BUFFER_PAGE scans the pool:
# about a second for 6 GB)
number_index_fill() {
    tools/db.sh sql "$db_dir" -N -B -e "SELECT IFNULL(CONCAT('{\"pages\": ', COUNT(*), ', \"fill\": ',
        ROUND(AVG(data_size) / @@innodb_page_size, 3), '}'), 'null')
        FROM information_schema.INNODB_BUFFER_PAGE WHERE table_name = '\`$1\`.\`phone_numbers\`'
        AND index_name = 'phone_numbers_unique' AND page_type = 'INDEX'"
}

# reset_small DB SEED_END: back to the seeded rows only (users created later cascade to their
# numbers and codes; every code and message goes)
reset_small() {
    tools/db.sh sql "$db_dir" "$1" -e "DELETE FROM users WHERE created_at > $2; DELETE FROM otps; DELETE FROM outbox"
}

# wait_flushed SECONDS: until InnoDB has (almost) no dirty page left, so that the flushing of a seed
# does not run beside the measurement; prints the seconds it took
wait_flushed() {
    local limit=$1 t0 saved dirty
    t0=$(now)
    # Flush everything, as fast as the disk allows (the default io_capacity, 200 pages/s, would take
    # minutes after a large seed); the settings are put back after.
    saved=$(tools/db.sh sql "$db_dir" -N -B -e "SELECT CONCAT('SET GLOBAL innodb_max_dirty_pages_pct = ', @@innodb_max_dirty_pages_pct,
        ', GLOBAL innodb_io_capacity = ', @@innodb_io_capacity, ', GLOBAL innodb_io_capacity_max = ', @@innodb_io_capacity_max)")
    tools/db.sh sql "$db_dir" -e "SET GLOBAL innodb_io_capacity_max = 100000, GLOBAL innodb_io_capacity = 50000, GLOBAL innodb_max_dirty_pages_pct = 0"
    while :; do
        dirty=$(tools/db.sh sql "$db_dir" -N -B -e "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" | awk '{print $2}')
        [ "${dirty:-0}" -le 1000 ] && break
        awk -v a="$(now)" -v b="$t0" -v l="$limit" 'BEGIN { exit !(a - b > l) }' && { say "still $dirty dirty pages after ${limit}s"; break; }
        sleep 0.5
    done
    tools/db.sh sql "$db_dir" -e "$saved"
    awk -v a="$(now)" -v b="$t0" 'BEGIN { printf "%.3f\n", a - b }'
}

# size_runs LABEL DB KEY USERS STRIDE ROUND SECONDS [NEW_OFFSET]: one new-user and one existing-user
# run on moonkeyd (already started on DB); with SEED_END set, the small database is reset before each
size_runs() {
    local label=$1 db=$2 key=$3 users=$4 stride=$5 round=$6 secs=$7 new_offset=$8 mode name
    for mode in new existing; do
        name=size_${label}_${mode}_$round
        [ -z "${SEED_END:-}" ] || reset_small "$db" "$SEED_END"
        # (Counting 10 million rows takes seconds: only the small table is counted before each run.)
        local rows=null
        [ -z "${SEED_END:-}" ] || rows=$(db_name=$db db_sql 'SELECT COUNT(*) FROM users')
        echo "$name $label $mode $round $rows" >>"$raw/table_size_runs.txt"
        local splits0
        splits0=$(page_splits)
        BENCH_KEY=$key run_wrk "$name" server "$moonkeyd_pid" "$(sms_url)" table_size.lua "$secs" -- \
            mode=$mode users="$users" stride="$stride" offset="$new_offset" threads="$wrk_threads"
        echo $(($(page_splits) - splits0)) >"$raw/$name.page_splits"
        db_name=$db wait_drained 120 >/dev/null
    done
}

# set_innodb NAME BYTES: SET GLOBAL innodb_NAME (online in MariaDB 10.11); 0 leaves it
set_innodb() {
    [ "$2" = 0 ] && return 0
    say "InnoDB $1: $2 bytes (was $(tools/db.sh sql "$db_dir" -N -B -e "SELECT @@innodb_$1"))"
    tools/db.sh sql "$db_dir" -e "SET GLOBAL innodb_$1 = $2"
}

# phase_table_size LARGE SECONDS POOL REDO: sms login_or_create (new and existing users) against a
# database seeded with 10,000 users and one seeded with LARGE, with an InnoDB buffer pool of POOL
# bytes and a redo log of REDO bytes from the phase on (0: as tools/db.sh has them); the small
# runs come before and after the large ones (S S L L L L S S), so a steady drift of the machine
# favours neither side.
phase_table_size() {
    local large=$1 secs=$2 pool=$3 redo=$4 small=10000 small_db=moonkey_bench_small large_db=moonkey_bench_large
    local small_app small_key large_app large_key seed_now seed_end flush_s pool_before redo_before
    seed_now=$(date +%s)
    seed_end=$((seed_now - 86400))  # seed_users.py dates every seeded row at or before this
    : >"$raw/table_size_runs.txt"
    pool_before=$(tools/db.sh sql "$db_dir" -N -B -e "SELECT @@innodb_buffer_pool_size")
    redo_before=$(tools/db.sh sql "$db_dir" -N -B -e "SELECT @@innodb_log_file_size")
    set_innodb buffer_pool_size "$pool"
    set_innodb log_file_size "$redo"
    # Page splits per request show how the seed's index layout weighs on new users (seed_users.py).
    tools/db.sh sql "$db_dir" -e "SET GLOBAL innodb_monitor_enable = 'index_page_splits'"
    read -r small_app small_key < <(create_bench_database "$small_db")
    read -r large_app large_key < <(create_bench_database "$large_db")
    seed "$small_db" "$small_app" "$small" "$seed_now" seed_small
    local small_stride large_stride
    small_stride=$("$py" -c "import json; print(json.load(open('$raw/seed_small.json'))['stride'])")
    local small_fill large_fill
    small_fill=$(number_index_fill "$small_db")

    moonkeyd_database_url=$(tools/db.sh url "$db_dir" "$small_db") moonkeyd_log=/dev/null start_moonkeyd console
    BENCH_KEY=$small_key db_name=$small_db warm_up
    SEED_END=$seed_end size_runs small "$small_db" "$small_key" "$small" "$small_stride" 1 "$secs" 0
    stop_moonkeyd

    local t0 t1
    t0=$(now)
    seed "$large_db" "$large_app" "$large" "$seed_now" seed_large
    t1=$(now)
    flush_s=$(wait_flushed 180)
    large_fill=$(number_index_fill "$large_db")
    large_stride=$("$py" -c "import json; print(json.load(open('$raw/seed_large.json'))['stride'])")
    moonkeyd_database_url=$(tools/db.sh url "$db_dir" "$large_db") moonkeyd_log=/dev/null start_moonkeyd console
    BENCH_KEY=$large_key db_name=$large_db warm_up
    size_runs large "$large_db" "$large_key" "$large" "$large_stride" 1 "$secs" 1000000
    size_runs large "$large_db" "$large_key" "$large" "$large_stride" 2 "$secs" 2000000
    stop_moonkeyd

    moonkeyd_database_url=$(tools/db.sh url "$db_dir" "$small_db") moonkeyd_log=/dev/null start_moonkeyd console
    BENCH_KEY=$small_key db_name=$small_db warm_up
    SEED_END=$seed_end size_runs small "$small_db" "$small_key" "$small" "$small_stride" 2 "$secs" 3000000
    stop_moonkeyd

    # Sizes as InnoDB reports them (estimates for rows; data and index bytes), and the exact row counts.
    tools/db.sh sql "$db_dir" -N -B -e "SELECT table_schema, table_name, data_length, index_length FROM information_schema.tables
        WHERE table_schema IN ('$small_db', '$large_db') AND table_name IN ('users', 'phone_numbers')" >"$raw/table_size_tables.txt"
    local large_rows small_rows
    small_rows=$(db_name=$small_db db_sql "SELECT COUNT(*) FROM users")
    large_rows=$(db_name=$large_db db_sql "SELECT COUNT(*) FROM users")
    cat >"$raw/table_size.json" <<EOF
{"small_users": $small, "large_users": $large, "seconds_per_run": $secs, "seed_wall_s": $(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.3f", a - b }'),
 "flush_after_seed_s": $flush_s, "buffer_pool_bytes": $(tools/db.sh sql "$db_dir" -N -B -e "SELECT @@innodb_buffer_pool_size"),
 "buffer_pool_bytes_before": $pool_before, "redo_log_bytes": $(tools/db.sh sql "$db_dir" -N -B -e "SELECT @@innodb_log_file_size"),
 "redo_log_bytes_before": $redo_before, "small_rows_at_end": $small_rows, "large_rows_at_end": $large_rows,
 "small_stride": $small_stride, "large_stride": $large_stride, "seed_layout": "${BENCH_SEED_LAYOUT:-grown}",
 "number_index_after_seed": {"small": ${small_fill:-null}, "large": ${large_fill:-null}}}
EOF
    # 10 million rows are gigabytes: gone with the run unless asked to keep them.
    [ -n "${BENCH_KEEP_LARGE:-}" ] || tools/db.sh sql "$db_dir" -e "DROP DATABASE \`$large_db\`; DROP DATABASE \`$small_db\`"
    # The pool and the redo log stay as set: the bench's MariaDB stops at the end of the run, and
    # tools/db.sh starts it with its own sizes again.
}
