#!/usr/bin/python3
"""Seeds a database with N users, each with one phone number, straight in SQL (bench/README.md,
"10 thousand vs 10 million users").

    bench/seed_users.py --users N --app_id APP [--layout grown|packed] [--chunk 1000000] -- CLIENT...

CLIENT is a mariadb client command line for the target database (bench/run passes
`tools/db.sh sql DIR -N -B DB`); every chunk is one `INSERT ... SELECT` from MariaDB's SEQUENCE
engine (seq_A_to_B) per table, in its own transaction; the two tables are filled at the same time,
by one client each. Prints one JSON object: the seeding time per chunk and in all. `--print_sql`
prints the statements instead of running them.

Rows look like the server's own: ids are a type prefix and 27 base62 characters shaped like a KSUID
(lib/src/domain/ksuid.cpp: 4 bytes of seconds since 2014-05-13 and 16 random bytes, big-endian, in
base62): the first 6 characters carry the creation time (spread over the year before the seed, so
every seeded id sorts before the ids the server makes), the last 21 come from a SHA-256 of the
index, so they are distinct and spread like random bytes. Users are active, their numbers verified,
all in one app and environment.

Numbers (E.164, shared with bench/table_size.lua, which must agree): position q in [0, CAPACITY)
is +1 AAA EEE LLLL with AAA = AREAS[q / 4,000,000], EEE = 200 + (q mod 4,000,000) / 5,000 and
LLLL = 2 * (q mod 5,000) + parity. Seeded user i has q = i * stride (stride = CAPACITY // N, so
the seed spans the whole range at any N) and parity 0; the numbers the new-user runs send have
parity 1, so they fall between seeded ones and never collide with them (table_size.lua scatters
them at random over the range). The area codes are none of those of bench/common.lua,
bench_db_ceiling (303, 720) or the sandbox.

The shape of the indexes (--layout). Users are inserted in creation order, as sign-ups arrive, so
the indexes keyed by id (the primary keys, users_tenant, phone_numbers_user) grow at their right
edge and end up full, as in production. The index on the number, phone_numbers_unique
(app_id, environment, phone_number), is another matter: real sign-ups enter it at random places,
InnoDB splits a full leaf page in the middle, and the pages settle at about 69 % full on average
(anywhere from half to full). Inserted in key order, as here, every page is filled to the brim
(98 %), and nearly every later number between two seeded ones splits one: at 10 million users
0.5-0.9 page splits per new-user request instead of 0.1, which made new users cost 130-144 % of
what they cost with 10 thousand (bench/README.md has the figures).
- grown (the default): the indexes of phone_numbers on the number (as SHOW CREATE TABLE defines
  them, so a migration that changes them is followed) are dropped before the load and built after
  it by InnoDB's sorted index build with innodb_fill_factor = FILL_FACTOR: 67.8 % full and 75,190
  pages at 10 million, where a load in random order gave 68.0 % and 74,194, the state of a table
  grown by sign-ups. What it leaves out is the split rate of that state (a random insert finds a
  full page about once in 140): 0.089 instead of 0.096 page splits per new-user request, all
  indexes together, and the same CPU per request within the noise. A load in random order has
  both, but took 462 s instead of 243 at 10 million (every insert dirties a random page), while
  the build takes 28-39 s and spares the load the index's upkeep.
- packed: the index is kept during the load and ends packed, as a bulk import sorted by number
  leaves it: what such a deployment sees until sign-ups have rewritten the index
  (BENCH_SEED_LAYOUT=packed bench/run).
"""
import argparse
import json
import re
import subprocess
import sys
import threading
import time

AREAS = ("201", "202", "213", "214")
POSITIONS_PER_AREA = 4_000_000  # 800 exchanges (200..999) x 5,000 lines of one parity
CAPACITY = len(AREAS) * POSITIONS_PER_AREA
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KSUID_EPOCH = 1_400_000_000
# A KSUID is seconds * 2^128 + 128 random bits; its first 6 base62 digits are that over 62^21.
SECONDS_TO_HIGH_DIGITS = 2**128 / 62**21
SPAN_SECONDS = 365 * 86400


# innodb_fill_factor for the grown layout's index build: InnoDB fills each page of a sorted index
# build to this percentage of its space (MariaDB: global only, so it is set and put back).
FILL_FACTOR = 69


def stride_for(users):
    return CAPACITY // users


def number_sql(q):
    """SQL for the E.164 number at position expression q, parity 0."""
    return ("CONCAT('+1', ELT({q} DIV {per} + 1, {areas}), 200 + ({q} MOD {per}) DIV 5000,"
            " LPAD(({q} MOD 5000) * 2, 4, '0'))").format(
        q=q, per=POSITIONS_PER_AREA, areas=", ".join("'%s'" % a for a in AREAS))


def high_digits_sql(seconds, salt):
    """SQL for the number the first 6 base62 digits of a KSUID of `seconds` spell: the time, plus
    what its random bits carry above the 21 low digits (0..7, here from a CRC of `salt`)."""
    return "CAST(FLOOR((%s - %d) * %r) AS UNSIGNED) + CRC32(%s) MOD 8" % (
        seconds, KSUID_EPOCH, SECONDS_TO_HIGH_DIGITS, salt)


def ksuid_sql(high, salt):
    """SQL for 27 base62 characters: the 6 digits of `high` (an SQL integer expression), then 21
    characters of the base64 of SHA-256(`salt`) with '+' and '/' mapped into base62 (cheap in SQL,
    and as good as random bytes here)."""
    alphabet = "'%s'" % BASE62
    parts = ["SUBSTR(%s, 1 + %s DIV %d MOD 62, 1)" % (alphabet, high, 62**k) for k in range(5, -1, -1)]
    parts.append("REPLACE(REPLACE(LEFT(TO_BASE64(UNHEX(SHA2(%s, 256))), 21), '+', 'p'), '/', 'Q')" % salt)
    return "CONCAT(%s)" % ", ".join(parts)


def chunk_sql(first, last, users, app_id, environment, now):
    """The statements that seed users [first, last) of `users`: users, then their phone numbers."""
    stride = stride_for(users)
    end = now - 86400
    user_salt, pn_salt = "CONCAT('bench-user-', s.i)", "CONCAT('bench-pn-', s.i)"
    # Materialized (derived_merge=off): the time and the high digits once per row.
    source = ("(SELECT i, t, {high_u} AS high_u, {high_p} AS high_p FROM"
              " (SELECT seq AS i, {end} - {span} + seq * {span} DIV {n} AS t FROM seq_{a}_to_{b}) r) s").format(
        high_u=high_digits_sql("t", user_salt.replace("s.i", "i")), high_p=high_digits_sql("t", pn_salt.replace("s.i", "i")),
        end=end, span=SPAN_SECONDS, n=users, a=first, b=last - 1)
    user_id = "CONCAT('user_', %s)" % ksuid_sql("s.high_u", user_salt)
    pn_id = "CONCAT('pn_', %s)" % ksuid_sql("s.high_p", pn_salt)
    tenant = "'%s', '%s'" % (app_id.replace("'", ""), environment)
    return [
        "INSERT INTO users (id, app_id, environment, status, created_at, updated_at)"
        " SELECT %s, %s, 'active', s.t, s.t FROM %s" % (user_id, tenant, source),
        "INSERT INTO phone_numbers (id, user_id, app_id, environment, phone_number, verified, created_at, updated_at)"
        " SELECT %s, %s, %s, %s, TRUE, s.t, s.t FROM %s" % (pn_id, user_id, tenant, number_sql("s.i * %d" % stride),
                                                          source),
    ]


# Per client session: the inner SELECTs are materialized, and the foreign key of phone_numbers to
# users is not checked row by row: each number's user_id is the very expression its user is
# inserted with, so the check could only pass, and without it the two tables can be filled at the
# same time (one client each: on two cores, about twice as fast). Unique checks stay on: a
# duplicate would fail the seed instead of corrupting a unique index (with the grown layout the
# number's unique index is built after the load, and a duplicate fails that build).
SESSION = "SET SESSION optimizer_switch = 'derived_merge=off'; SET SESSION foreign_key_checks = 0;\n"
TABLES = ("users", "phone_numbers")


def sql(client, statements):
    """Runs statements through the client; returns its output (batch mode: tab-separated rows)."""
    return subprocess.run(client, input=statements, text=True, check=True, capture_output=True).stdout


def number_indexes(client):
    """The secondary indexes of phone_numbers on phone_number, as SHOW CREATE TABLE defines them,
    e.g. "UNIQUE KEY `phone_numbers_unique` (`app_id`,`environment`,`phone_number`)"."""
    create = sql(client, "SHOW CREATE TABLE phone_numbers;\n").split("\t", 1)[1].replace("\\n", "\n")
    return [line.strip().rstrip(",") for line in create.splitlines()
            if re.match(r"\s*(UNIQUE )?KEY `", line) and "`phone_number`" in line]


def index_name(definition):
    return re.search(r"KEY `([^`]+)`", definition).group(1)


def build_indexes(client, definitions):
    """Adds the indexes by InnoDB's sorted build at FILL_FACTOR; returns the seconds it took."""
    saved = sql(client, "SELECT @@GLOBAL.innodb_fill_factor;\n").strip()
    t0 = time.monotonic()
    try:
        sql(client, "SET GLOBAL innodb_fill_factor = %d; ALTER TABLE phone_numbers %s;\n" % (
            FILL_FACTOR, ", ".join("ADD " + d for d in definitions)))
    finally:
        sql(client, "SET GLOBAL innodb_fill_factor = %d;\n" % int(saved))
    return round(time.monotonic() - t0, 3)


def seed_table(table, statements, client, chunks, started, total):
    """Runs one table's chunk statements in order; appends each chunk's timing to `chunks`."""
    for first, rows, statement in statements:
        t0 = time.monotonic()
        subprocess.run(client, input=SESSION + statement + ";\n", text=True, check=True)
        chunks.append({"table": table, "first": first, "rows": rows, "seconds": round(time.monotonic() - t0, 3)})
        print("seed_users: %s %d of %d in %.0f s" % (table, first + rows, total, time.monotonic() - started),
              file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--app_id", required=True)
    parser.add_argument("--environment", default="test", choices=("test", "live"))
    parser.add_argument("--layout", default="grown", choices=("grown", "packed"))
    parser.add_argument("--chunk", type=int, default=1_000_000)
    parser.add_argument("--now", type=int, default=int(time.time()))
    parser.add_argument("--print_sql", action="store_true")
    parser.add_argument("client", nargs="*")
    args = parser.parse_args()
    if not 1 <= args.users <= CAPACITY:
        sys.exit("seed_users: --users must be 1..%d" % CAPACITY)
    if not args.print_sql and not args.client:
        sys.exit("seed_users: a client command after -- (or --print_sql)")

    work = {table: [] for table in TABLES}
    for first in range(0, args.users, args.chunk):
        last = min(first + args.chunk, args.users)
        for table, statement in zip(TABLES, chunk_sql(first, last, args.users, args.app_id, args.environment, args.now)):
            work[table].append((first, last - first, statement))
    if args.print_sql:
        for table in TABLES:
            for _, _, statement in work[table]:
                print(SESSION + statement + ";")
        if args.layout == "grown":
            print("-- then ALTER TABLE phone_numbers ADD <its indexes on phone_number, dropped before the load>;"
                  " with innodb_fill_factor = %d" % FILL_FACTOR)
        return

    chunks, failed, index_build = [], [], {}
    started = time.monotonic()
    definitions = number_indexes(args.client) if args.layout == "grown" else []
    if definitions:
        sql(args.client, "ALTER TABLE phone_numbers %s;\n" % ", ".join(
            "DROP INDEX `%s`" % index_name(d) for d in definitions))
    def run(table):
        try:
            seed_table(table, work[table], args.client, chunks, started, args.users)
            if table == "phone_numbers" and definitions:
                index_build["seconds"] = build_indexes(args.client, definitions)
                print("seed_users: %s built in %.0f s" % (", ".join(map(index_name, definitions)),
                                                          index_build["seconds"]), file=sys.stderr)
        except (subprocess.CalledProcessError, OSError) as e:
            failed.append("%s: %s%s" % (table, e, (": " + e.stderr.strip()) if getattr(e, "stderr", None) else ""))
    threads = [threading.Thread(target=run, args=(table,)) for table in TABLES]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        sys.exit("seed_users: " + "; ".join(failed))
    json.dump({"users": args.users, "layout": args.layout, "stride": stride_for(args.users), "capacity": CAPACITY,
               "seconds": round(time.monotonic() - started, 3), "chunks": chunks,
               "index_build": {"indexes": [index_name(d) for d in definitions], "fill_factor": FILL_FACTOR,
                               "seconds": index_build.get("seconds")} if definitions else None}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
