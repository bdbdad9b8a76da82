#!/usr/bin/env bash
# Manages a private MariaDB server that lives entirely in one directory (data, socket, pid file,
# logs, config), so several can run side by side without touching the system's /var/lib/mysql or
# /run/mysqld. Meant for development, tests and CI (runs as root, needs no terminal).
#
#   tools/db.sh start  DIR PORT   initialize DIR/data if needed, start mariadbd, create the moonkey
#                                 database and users; does nothing more if already running
#   tools/db.sh stop   DIR        clean shutdown (SIGTERM, then SIGKILL after 30 s); ok if not running
#   tools/db.sh kill   DIR        SIGKILL the server (crash tests) and wait until it is gone
#   tools/db.sh status DIR        exit 0 if running and answering, 1 otherwise
#   tools/db.sh url    DIR [DB]   print the connection URL for user moonkey (DB defaults to moonkey)
#   tools/db.sh sql    DIR [ARGS] run the mariadb client as root over the socket (stdin passed through)
#
# Exit codes: 0 success, 1 failure, 2 usage error.
set -euo pipefail

readonly MARIADBD=/usr/sbin/mariadbd
readonly INSTALL_DB=/usr/bin/mariadb-install-db
readonly CLIENT=/usr/bin/mariadb
readonly ADMIN=/usr/bin/mariadb-admin
readonly START_TIMEOUT=60 STOP_TIMEOUT=30 KILL_TIMEOUT=30

# These would otherwise override defaults of the server or of our client calls.
unset MYSQL_HOST MYSQL_PWD MYSQL_TCP_PORT MYSQL_UNIX_PORT MARIADB_HOST MARIADB_PWD 2>/dev/null || true

say() { echo "db: $*"; }
warn() { echo "db: $*" >&2; }
die() { warn "$*"; exit 1; }
usage() {
    cat >&2 <<'EOF'
db: usage: tools/db.sh start DIR PORT | stop DIR | kill DIR | status DIR | url DIR [DB] | sql DIR [ARGS...]
EOF
    exit 2
}

# set_paths DIR: absolute paths of everything the server uses.
set_paths() {
    [ -n "$1" ] || usage
    dir=$(realpath -m -- "$1")
    data="$dir/data"
    cnf="$dir/my.cnf"
    sock="$dir/mysqld.sock"
    pidfile="$dir/mysqld.pid"
    log="$dir/mariadb.log"
}

# proc_alive PID: the process exists and is not a zombie (PID 1 in a container may not reap).
proc_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# is_ours PID: PID is a live mariadbd started with our defaults file.
is_ours() {
    local comm
    [[ "$1" =~ ^[0-9]+$ ]] || return 1
    comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
    [ "$comm" = mariadbd ] || return 1
    local arg found=""
    while IFS= read -r -d '' arg; do
        if [ "$arg" = "--defaults-file=$cnf" ]; then found=1; break; fi
    done 2>/dev/null <"/proc/$1/cmdline" || true
    [ -n "$found" ] && proc_alive "$1"
}

# find_pid: print the pid of the server for $dir (pid file first, then a scan of /proc, since the
# pid file is written late during startup and left behind by SIGKILL); fail if there is none.
find_pid() {
    local pid p
    if [ -r "$pidfile" ]; then
        pid=$(tr -dc 0-9 <"$pidfile" 2>/dev/null || true)
        if [ -n "$pid" ] && is_ours "$pid"; then echo "$pid"; return 0; fi
    fi
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        if is_ours "$p"; then echo "$p"; return 0; fi
    done
    return 1
}

ping_server() {
    timeout 10 "$ADMIN" --no-defaults --socket="$sock" -uroot --connect-timeout=2 ping >/dev/null 2>&1
}

# root_sql ARGS...: the mariadb client as root over the socket (no password; works with either
# unix_socket or empty-password authentication, since we run as the OS user root).
root_sql() {
    "$CLIENT" --no-defaults --socket="$sock" -uroot --default-character-set=utf8mb4 "$@"
}

# wait_gone PID SECONDS: wait until the process is gone; fail on timeout.
wait_gone() {
    local deadline=$((SECONDS + $2))
    while proc_alive "$1"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

log_tail() {
    if [ -r "$1" ]; then
        warn "last 20 lines of $1:"
        tail -n 20 "$1" | sed 's/^/db: | /' >&2
    fi
}

# take_lock: serialize start/stop/kill on the same DIR. fd 9 must not leak into mariadbd.
take_lock() {
    exec 9>>"$dir/db.lock"
    flock -w 120 9 || die "timed out waiting for the lock on $dir/db.lock"
}

write_cnf() {
    local tmp="$cnf.tmp.$$"
    cat >"$tmp" <<EOF
# Written by tools/db.sh; rewritten on every start.
[mysqld]
datadir = $data
socket = $sock
pid-file = $pidfile
tmpdir = $dir/tmp
port = $1
bind-address = 127.0.0.1
user = root
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
innodb_flush_log_at_trx_commit = 1
innodb_buffer_pool_size = 256M
max_connections = 1000
innodb_lock_wait_timeout = 5
transaction-isolation = READ-COMMITTED
skip-log-bin
# Fast start and stop: no buffer pool dump/load, no performance schema, no DNS.
innodb_buffer_pool_dump_at_shutdown = OFF
innodb_buffer_pool_load_at_startup = OFF
performance_schema = OFF
skip-external-locking

[client]
socket = $sock
user = root
default-character-set = utf8mb4
EOF
    mv -f "$tmp" "$cnf"
}

# init_data: create DIR/data with the system tables. The install goes to a scratch directory that
# is renamed into place only when complete, so an interrupted install never looks finished.
init_data() {
    local tmpdata="$dir/data.init"
    if [ -d "$data" ]; then
        if [ -n "$(ls -A "$data")" ]; then
            die "$data exists but holds no system tables (mysql/global_priv.frm); move it away or remove it"
        fi
        rmdir "$data"
    fi
    rm -rf "$tmpdata"
    say "initializing $data"
    # --cross-bootstrap: no root@<hostname> account (it would only draw warnings under
    # skip-name-resolve) and no host name lookup, so the data does not depend on this machine.
    if ! "$INSTALL_DB" --defaults-file="$cnf" --auth-root-authentication-method=normal \
        --datadir="$tmpdata" --user=root --skip-test-db --cross-bootstrap \
        >"$dir/install.log" 2>&1 9>&-; then
        warn "mariadb-install-db failed"
        log_tail "$dir/install.log"
        rm -rf "$tmpdata"
        exit 1
    fi
    mv "$tmpdata" "$data"
}

setup_sql() {
    root_sql --batch <<'SQL'
CREATE DATABASE IF NOT EXISTS `moonkey` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'moonkey'@'localhost' IDENTIFIED BY 'moonkey';
CREATE USER IF NOT EXISTS 'moonkey'@'127.0.0.1' IDENTIFIED BY 'moonkey';
ALTER USER 'moonkey'@'localhost' IDENTIFIED BY 'moonkey';
ALTER USER 'moonkey'@'127.0.0.1' IDENTIFIED BY 'moonkey';
GRANT ALL PRIVILEGES ON `moonkey`.* TO 'moonkey'@'localhost', 'moonkey'@'127.0.0.1';
GRANT ALL PRIVILEGES ON `moonkey\_%`.* TO 'moonkey'@'localhost', 'moonkey'@'127.0.0.1';
SQL
}

cmd_start() {
    [ $# -eq 2 ] || usage
    local port=$2 pid launched deadline running_port
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "bad port: $port"
    set_paths "$1"
    # sun_path holds 108 bytes including the terminating NUL.
    [ "${#sock}" -le 107 ] || die "socket path too long (${#sock} > 107 bytes): $sock"
    mkdir -p "$dir"
    take_lock

    if pid=$(find_pid); then
        # Running (possibly still starting up or recovering): just wait for it to answer.
        launched=""
    else
        write_cnf "$port"
        mkdir -p "$dir/tmp"
        [ -f "$data/mysql/global_priv.frm" ] || init_data
        rm -f "$pidfile"
        echo "--- $(date '+%F %T') tools/db.sh start (port $port)" >>"$log"
        # Not a process group leader here, so setsid does not fork and $! is mariadbd itself.
        setsid nohup "$MARIADBD" --defaults-file="$cnf" --user=root \
            </dev/null >>"$log" 2>&1 9>&- &
        launched=$!
        pid=$launched
    fi

    deadline=$((SECONDS + START_TIMEOUT))
    until ping_server; do
        if ! proc_alive "$pid"; then
            warn "mariadbd (pid $pid) exited during startup"
            log_tail "$log"
            exit 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            warn "mariadbd (pid $pid) did not answer on $sock within $START_TIMEOUT s; stop it with: tools/db.sh stop $dir"
            log_tail "$log"
            exit 1
        fi
        sleep 0.1
    done

    if ! setup_sql; then
        die "creating database/users moonkey failed (see $log)"
    fi
    if [ -n "$launched" ]; then
        say "started mariadbd (pid $pid) on 127.0.0.1:$port, socket $sock"
    else
        running_port=$(root_sql -N -B -e 'SELECT @@port' 2>/dev/null || echo "?")
        [ "$running_port" = "$port" ] ||
            warn "note: the running server listens on port $running_port, not $port"
        say "already running (pid $pid) on 127.0.0.1:$running_port, socket $sock"
    fi
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    set_paths "$1"
    [ -d "$dir" ] || return 0
    take_lock
    local pid
    pid=$(find_pid) || return 0
    if ! timeout 10 "$ADMIN" --no-defaults --socket="$sock" -uroot \
        --connect-timeout=5 shutdown >/dev/null 2>&1; then
        kill -TERM "$pid" 2>/dev/null || true
    fi
    if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
        warn "mariadbd (pid $pid) did not stop within $STOP_TIMEOUT s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" "$KILL_TIMEOUT" || die "mariadbd (pid $pid) survived SIGKILL"
    fi
    say "stopped mariadbd (pid $pid) in $dir"
}

cmd_kill() {
    [ $# -eq 1 ] || usage
    set_paths "$1"
    [ -d "$dir" ] || return 0
    take_lock
    local pid
    pid=$(find_pid) || { say "not running in $dir"; return 0; }
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" "$KILL_TIMEOUT" || die "mariadbd (pid $pid) survived SIGKILL"
    say "killed mariadbd (pid $pid) in $dir"
}

cmd_status() {
    [ $# -eq 1 ] || usage
    set_paths "$1"
    local pid
    if pid=$(find_pid) && ping_server; then
        say "running (pid $pid), socket $sock"
        return 0
    fi
    say "not running in $dir"
    return 1
}

cmd_url() {
    [ $# -ge 1 ] && [ $# -le 2 ] || usage
    set_paths "$1"
    echo "mysql://moonkey:moonkey@localhost/${2:-moonkey}?socket=$sock"
}

cmd_sql() {
    [ $# -ge 1 ] || usage
    set_paths "$1"
    shift
    exec "$CLIENT" --no-defaults --socket="$sock" -uroot --default-character-set=utf8mb4 "$@"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    kill) cmd_kill "$@" ;;
    status) cmd_status "$@" ;;
    url) cmd_url "$@" ;;
    sql) cmd_sql "$@" ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
