"""The report of bench/run's scale phases (bench/scale_phases.sh): imported by bench/run's report.

collect(raw, scenario) reads raw/ and returns {"figures": ..., "scenarios": [...]}: the figures go
to results.json under "scale", the scenarios (built with bench/run's scenario()) join the table.
lines(figures, rss) returns the printed lines; overload_chart() draws overload.png.
"""
import json
import os
import statistics
import subprocess


def _load(raw, name):
    path = os.path.join(raw, name)
    return json.load(open(path)) if os.path.exists(path) else None


def _mb(kb):
    return None if kb is None else kb / 1024.0


def _mean(values):
    values = [v for v in values if v is not None]
    return statistics.mean(values) if values else None


def _ratio(a, b):
    return a / b if a is not None and b else None


# ---------------------------------------------------------------- idle connections
def _idle_connections(raw):
    d = _load(raw, "idle_connections.json")
    if not d:
        return None
    n = d["connections"]
    d["rss_delta_kb"] = d["rss_open_kb"] - d["rss_before_kb"]
    d["kb_per_connection"] = d["rss_delta_kb"] / n if n else None
    return d


# ---------------------------------------------------------------- overload
def _rss_series(raw, name):
    """[(wall_time, rss_kb, cpu_ticks)] from raw/NAME (bench/scale_phases.sh start_rss_series)."""
    path = os.path.join(raw, name)
    out = []
    if os.path.exists(path):
        for line in open(path):
            parts = line.split()
            if len(parts) == 3 and parts[1].isdigit():
                out.append((float(parts[0]), int(parts[1]), int(parts[2])))
    return out


# The overload targets (SPEC §8: "at 150 % of peak load it answers 429/503 quickly and its memory
# stays flat"), in numbers:
# - memory flat: over the second half of the run (the first seconds include the allocator growing to
#   the load) the least-squares slope of the RSS is at most FLAT_SLOPE_MB_PER_MIN, and the last 10 s
#   are at most FLAT_END_OVER_MIDDLE above the 10 s in the middle (so a step late in the run counts
#   even when the slope hides it);
# - quick refusals: the 429/503 answers, timed from their actual send, have p50 <= FAST_P50_MS and
#   p99 <= FAST_P99_MS (a refusal decided at admission costs microseconds; what is left is the
#   network stack and the loops' queues).
FLAT_SLOPE_MB_PER_MIN = 1.0
FLAT_END_OVER_MIDDLE = 0.05
FAST_P50_MS = 5.0
FAST_P99_MS = 50.0


def _slope_per_min(points):
    """Least-squares slope of [(t, y)] in y per minute, or None with fewer than two distinct times."""
    if len(points) < 2:
        return None
    mt = statistics.mean(t for t, _ in points)
    my = statistics.mean(y for _, y in points)
    var = sum((t - mt) ** 2 for t, _ in points)
    if var == 0:
        return None
    return sum((t - mt) * (y - my) for t, y in points) / var * 60


def _histogram_quantiles(before_path, after_path, route, status, qs=(0.5, 0.99)):
    """Server-side request duration quantiles (ms) of (route, status) over a run, from moonkeyd's
    /metrics scraped before and after: the upper bound of the bucket that holds each quantile (the
    buckets are coarse: 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, ... ms). None when nothing counted."""
    def buckets(path):
        out = {}
        if not os.path.exists(path):
            return out
        prefix = 'moonkey_http_request_duration_seconds_bucket{route="%s",status="%s",le="' % (route, status)
        for line in open(path):
            if line.startswith(prefix):
                le, value = line[len(prefix):].split('"}', 1)
                out[float("inf") if le == "+Inf" else float(le)] = float(value)
        return out
    b, a = buckets(before_path), buckets(after_path)
    counts = sorted((le, a[le] - b.get(le, 0)) for le in a)
    total = counts[-1][1] if counts else 0
    if not total:
        return None
    result = {"count": int(total)}
    for q in qs:
        le = next(le for le, n in counts if n >= q * total)
        result["p%g" % (q * 100)] = None if le == float("inf") else le * 1000
    return result


def _overload(raw, scenario):
    meta = _load(raw, "overload.json")
    if not meta or not os.path.exists(os.path.join(raw, "overload.wrk.json")):
        return None, None
    row = scenario("overload", "sms overload 150%", "server", "POST /v1/auth/otps/sms/login_or_create",
                   "paced at 1.5 x the sms-new throughput, %d connections" % meta["connections"])
    w, p = _load(raw, "overload.wrk.json"), _load(raw, "overload.proc.json")
    secs = w["duration_s"]
    statuses = w.get("statuses") or {}
    by_code = {}
    for key, n in statuses.items():
        code = key.split(" ", 1)[0]
        by_code[code] = by_code.get(code, 0) + n
    ok = sum(n for code, n in by_code.items() if code.startswith("2"))
    series = _rss_series(raw, "overload.rss.txt")
    loaded = [(t, kb) for t, kb, _ in series if p["start"] <= t <= p["end"]]
    first = [kb for t, kb in loaded if t < p["start"] + 10]
    last = [kb for t, kb in loaded if t > p["end"] - 10]
    figures = {
        "offered_per_s": meta["offered_rate"],
        "seconds": secs,
        "connections": meta["connections"],
        "sent": w.get("sent"),
        "sent_per_s": w.get("sent", 0) / secs if secs else None,
        "answered_per_s": w["requests_per_s"],
        "ok_per_s": ok / secs if secs else None,
        "per_status_per_s": {code: n / secs for code, n in sorted(by_code.items())},
        "shed_per_s": sum(n for code, n in by_code.items() if code in ("429", "503")) / secs if secs else None,
        "statuses": statuses,
        "socket_errors": row.get("socket_errors"),
        "latency_ms_by_class": w.get("classes"),
        "send_lag_ms": w.get("send_lag_ms"),
        "rss_kb": {
            "before": meta.get("rss_idle_kb"),
            "first_10s_mean": _mean(first), "last_10s_mean": _mean(last),
            "max": max((kb for _, kb in loaded), default=None),
            "samples": len(loaded),
        },
        "rss_series_file": "raw/overload.rss.txt",
        "pending_when_load_stopped": meta["pending_at_end"],
        "drain_after_load_s": meta["drain_after_load_s"],
        "users_created": w.get("users_created"),
    }
    r = figures["rss_kb"]
    figures["rss_last_over_first"] = _ratio(r["last_10s_mean"], r["first_10s_mean"])
    # The start includes the allocator warming to the load; the second half shows a steady growth.
    middle_t = (p["start"] + p["end"]) / 2
    half = [(t, kb) for t, kb in loaded if t >= middle_t]
    r["second_half_growth_kb_per_min"] = _slope_per_min(half)  # least squares
    r["middle_10s_mean"] = _mean([kb for t, kb in loaded if abs(t - middle_t) <= 5])
    slope, end_over_middle = r["second_half_growth_kb_per_min"], _ratio(r["last_10s_mean"], r["middle_10s_mean"])
    r["last_over_middle"] = end_over_middle
    shed = ((figures["latency_ms_by_class"] or {}).get("non_2xx") or {}).get("from_send_ms") or {}
    figures["targets"] = {
        "memory_flat": None if slope is None or end_over_middle is None else
        slope / 1024 <= FLAT_SLOPE_MB_PER_MIN and end_over_middle <= 1 + FLAT_END_OVER_MIDDLE,
        "refusals_fast": None if not shed.get("count") else
        shed["p50"] <= FAST_P50_MS and shed["p99"] <= FAST_P99_MS,
        "flat_slope_mb_per_min_max": FLAT_SLOPE_MB_PER_MIN, "flat_end_over_middle_max": 1 + FLAT_END_OVER_MIDDLE,
        "fast_p50_ms_max": FAST_P50_MS, "fast_p99_ms_max": FAST_P99_MS,
    }
    # moonkeyd's own view (its request-duration histogram, scraped before and after): from the
    # request read whole to the answer ready, without the sockets' and the client's queues.
    gauges = []
    path = os.path.join(raw, "overload.gauges.txt")
    if os.path.exists(path):
        for line in open(path):
            parts = line.split()
            if len(parts) == 6 and p["start"] <= float(parts[0]) <= p["end"]:
                gauges.append([float(x) for x in parts[1:]])
    def spread(values, scale):
        values = sorted(v * scale for v in values)
        return {"mean": statistics.mean(values), "p50": values[len(values) // 2], "max": values[-1]} if values else None
    figures["server_gauges"] = {  # sampled every 2 s from moonkeyd's /metrics
        "samples": len(gauges),
        "loop_lag_ms": spread([g[0] for g in gauges], 1000),
        "batch_wait_estimate_ms": spread([g[1] for g in gauges], 1000),
        "batch_drain_rate_per_s": spread([g[2] for g in gauges], 1),
        "batch_queued": spread([g[3] for g in gauges], 1),
        "delivery_queue_depth": spread([g[4] for g in gauges], 1),
    }
    route = "/v1/auth/otps/sms/login_or_create"
    figures["server_side_ms"] = {
        status: _histogram_quantiles(os.path.join(raw, "overload.metrics.before"),
                                     os.path.join(raw, "overload.metrics.after"), route, status)
        for status in ("200", "429", "503")}
    return figures, row


def overload_chart(raw, out_dir, gnuplot, stamp):
    """overload.png: answers per second by class and moonkeyd's RSS over the overload run; returns
    the path, or None when there is nothing to draw or gnuplot failed."""
    w, p, meta = _load(raw, "overload.wrk.json"), _load(raw, "overload.proc.json"), _load(raw, "overload.json")
    if not (w and p and meta and gnuplot):
        return None
    t0 = p["start"]
    answers = os.path.join(raw, "overload-answers.dat")
    with open(answers, "w") as f:
        for second, ok, other in w.get("timeline") or []:
            f.write("%f %d %d\n" % (second - t0 + 0.5, ok, other))
    rss = os.path.join(raw, "overload-rss.dat")
    with open(rss, "w") as f:
        for t, kb, _ in _rss_series(raw, "overload.rss.txt"):
            f.write("%f %f\n" % (t - t0, kb / 1024.0))
    png = os.path.join(out_dir, "overload.png")
    script = f"""
set terminal pngcairo size 1200,600 font ",10"
set output "{png}"
set title noenhanced "MoonKey bench {stamp}: overload, {meta['offered_rate']} requests/s offered ({meta['connections']} connections)"
set xlabel "seconds since the load started"
set ylabel "answers per second"
set y2label "moonkeyd RSS (MB)"
set ytics nomirror
set y2tics
set xrange [0:*]
set yrange [0:*]
set y2range [0:*]
set grid
set key outside bottom center horizontal
plot "{answers}" using 1:2 with lines lw 2 lc rgb "#3366cc" title "2xx/s", \\
     "" using 1:3 with lines lw 2 lc rgb "#cc3333" title "non-2xx/s", \\
     {meta['offered_rate']} with lines dt 2 lc rgb "#777777" title "offered", \\
     "{rss}" using 1:2 axes x1y2 with linespoints pt 7 ps 0.4 lc rgb "#339933" title "RSS MB (every 1 s)"
"""
    r = subprocess.run([gnuplot], input=script, text=True, capture_output=True)
    return png if r.returncode == 0 and os.path.exists(png) else None


# ---------------------------------------------------------------- 10 thousand vs 10 million
def _table_size(raw, scenario):
    meta = _load(raw, "table_size.json")
    runs_path = os.path.join(raw, "table_size_runs.txt")
    if not meta or not os.path.exists(runs_path):
        return None, []
    rows, runs = [], []
    for line in open(runs_path):
        parts = line.split()
        if len(parts) != 5 or not os.path.exists(os.path.join(raw, parts[0] + ".wrk.json")):
            continue
        name, size, mode, round_, users_before = parts
        count = meta["small_users"] if size == "small" else meta["large_users"]
        label = "sms %s, %s users #%s" % (mode, _count_label(count), round_)
        row = scenario(name, label, "server", "POST /v1/auth/otps/sms/login_or_create",
                       "table-size pair: %s database, %s users" % (size, mode))
        rows.append(row)
        created = row["users_created"]
        ok = row["statuses"].get("200", 0)
        db = row.get("mariadb") or {}
        splits_path = os.path.join(raw, name + ".page_splits")
        splits = int(open(splits_path).read()) if os.path.exists(splits_path) else None
        runs.append({"name": name, "size": size, "mode": mode, "round": int(round_),
                     "users_before": None if users_before == "null" else int(users_before),
                     "requests_per_s": row["requests_per_s"], "p99_ms": row["latency_ms"]["p99"],
                     "server_cpu_us_per_request": row["server_cpu_us_per_request"],
                     "db_cpu_us_per_request": (row["db_cpu_pct"] / 100 * row["duration_s"] / row["requests"] * 1e6)
                                              if row["requests"] else None,
                     # InnoDB pages asked for, and read from disk (pool misses), per request
                     "pool_pages_per_request": db["pool_page_requests"] / row["requests"]
                                               if row["requests"] and "pool_page_requests" in db else None,
                     "disk_reads_per_request": db["pool_disk_reads"] / row["requests"]
                                               if row["requests"] and "pool_disk_reads" in db else None,
                     "pages_flushed_per_request": db["pool_pages_flushed"] / row["requests"]
                                                  if row["requests"] and "pool_pages_flushed" in db else None,
                     # B-tree page splits, all indexes (seed_users.py: the number's index layout)
                     "page_splits_per_request": splits / row["requests"]
                                                if row["requests"] and splits is not None else None,
                     "users_created": created, "ok": ok,
                     # new: every answer made a user (no seeded number hit); existing: none did
                     "numbering_ok": (created == ok) if mode == "new" else (created == 0)})
    figures = dict(meta)
    for key in ("seed_small", "seed_large"):
        seed = _load(raw, key + ".json")
        if seed:
            figures[key] = {"seconds": seed["seconds"], "users": seed["users"],
                            "rows_per_s": 2 * seed["users"] / seed["seconds"] if seed["seconds"] else None,
                            "layout": seed.get("layout"), "index_build": seed.get("index_build"),
                            "chunks": seed["chunks"]}
    tables = {}
    path = os.path.join(raw, "table_size_tables.txt")
    if os.path.exists(path):
        for line in open(path):
            parts = line.split()
            if len(parts) == 4:
                tables.setdefault(parts[0], {})[parts[1]] = {"data_bytes": int(parts[2]), "index_bytes": int(parts[3])}
    figures["tables"] = tables
    figures["runs"] = runs
    means = {}
    for size in ("small", "large"):
        for mode in ("new", "existing"):
            picked = [r for r in runs if r["size"] == size and r["mode"] == mode]
            means["%s_%s" % (size, mode)] = {
                "requests_per_s": _mean([r["requests_per_s"] for r in picked]),
                "p99_ms": _mean([r["p99_ms"] for r in picked]),
                "server_cpu_us_per_request": _mean([r["server_cpu_us_per_request"] for r in picked]),
                "db_cpu_us_per_request": _mean([r["db_cpu_us_per_request"] for r in picked]),
                "pool_pages_per_request": _mean([r["pool_pages_per_request"] for r in picked]),
                "disk_reads_per_request": _mean([r["disk_reads_per_request"] for r in picked]),
                "pages_flushed_per_request": _mean([r["pages_flushed_per_request"] for r in picked]),
                "page_splits_per_request": _mean([r["page_splits_per_request"] for r in picked]),
                "runs": len(picked)}
    figures["means"] = means
    figures["large_over_small"] = {
        mode: _ratio(means["large_%s" % mode]["requests_per_s"], means["small_%s" % mode]["requests_per_s"])
        for mode in ("new", "existing")}
    # The cost per request (moonkeyd + MariaDB CPU), steadier than throughput on a shared machine.
    def cost(m):
        parts = (m["server_cpu_us_per_request"], m["db_cpu_us_per_request"])
        return None if None in parts else sum(parts)
    for m in means.values():
        m["cpu_us_per_request"] = cost(m)
    figures["cost_large_over_small"] = {
        mode: _ratio(means["large_%s" % mode]["cpu_us_per_request"], means["small_%s" % mode]["cpu_us_per_request"])
        for mode in ("new", "existing")}
    figures["numbering_ok"] = all(r["numbering_ok"] for r in runs)
    return figures, rows


def _count_label(n):
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return "%dM" % (n // 1_000_000)
    if n >= 1000 and n % 1000 == 0:
        return "%dk" % (n // 1000)
    return str(n)


# ---------------------------------------------------------------- all together
def collect(raw, scenario):
    figures, rows = {}, []
    figures["idle_connections"] = _idle_connections(raw)
    overload, row = _overload(raw, scenario)
    figures["overload"] = overload
    if row:
        rows.append(row)
    size, size_rows = _table_size(raw, scenario)
    figures["table_size"] = size
    rows += size_rows
    return {"figures": figures, "scenarios": rows}


def lines(figures, rss):
    """Printed lines. `rss`: {"idle_kb", "peak_kb", "peak_scenario"} of the main scenarios."""
    out = []
    def f0(x): return "-" if x is None else "%.0f" % x
    def f1(x): return "-" if x is None else "%.1f" % x
    def f2(x): return "-" if x is None else ("%.2f" % x if x < 100 else "%.0f" % x)
    def f3(x): return "-" if x is None else "%.3f" % x
    def pct(x): return "-" if x is None else "%.1f%%" % (100 * x)
    def mb(kb): return "-" if kb is None else "%.1f MB" % (kb / 1024.0)

    idle = figures.get("idle_connections")
    ov = figures.get("overload")
    parts = ["idle %s" % mb(rss.get("idle_kb")),
             "peak %s (%s)" % (mb(rss.get("peak_kb")), rss.get("peak_scenario") or "-")]
    if idle:
        parts.append("%d idle keep-alive connections %s" % (idle["connections"], mb(idle["rss_open_kb"])))
    if ov:
        parts.append("overload max %s" % mb(ov["rss_kb"]["max"]))
    out.append("moonkeyd RSS: " + "; ".join(parts))
    if idle:
        out.append("        %d idle connections: %s before, %s while open (+%s, %.1f KB per connection), %s after they"
                   " closed; %d of %d answered 200, %d established while held" % (
                       idle["connections"], mb(idle["rss_before_kb"]), mb(idle["rss_open_kb"]),
                       mb(idle["rss_delta_kb"]), idle["kb_per_connection"] or 0, mb(idle["rss_after_close_kb"]),
                       (idle.get("client") or {}).get("answered_200", 0), idle["connections"],
                       idle["established_while_open"]))
    if ov:
        per = ov["per_status_per_s"]
        def rate(code):
            n = round(per.get(code, 0) * ov["seconds"])
            v = per.get(code, 0)
            return ("%.1f/s (%d)" if v >= 1 else "%.2f/s (%d)") % (v, n) if n else "0/s"
        out.append("overload: %d req/s offered for %.0f s over %d connections: sent %s/s, answered %s/s, 200 %s/s,"
                   " 429 %s, 503 %s%s" % (
                       ov["offered_per_s"], ov["seconds"], ov["connections"], f0(ov["sent_per_s"]),
                       f0(ov["answered_per_s"]), f0(per.get("200", 0)), rate("429"), rate("503"),
                       "".join(", %s %s" % (c, rate(c)) for c in per if c not in ("200", "429", "503"))))
        classes = ov.get("latency_ms_by_class") or {}
        for cls in ("2xx", "non_2xx"):
            c = classes.get(cls) or {}
            s, i = c.get("from_send_ms") or {}, c.get("from_intended_ms") or {}
            if not s.get("count"):
                out.append("        %-8s none" % cls)
                continue
            out.append("        %-8s %7d answers  from send p50 %s p99 %s p99.9 %s max %s ms;  from intended send"
                       " p50 %s p99 %s max %s ms" % (
                           cls, s["count"], f2(s.get("p50")), f2(s.get("p99")), f2(s.get("p999")), f2(s.get("max")),
                           f2(i.get("p50")), f2(i.get("p99")), f2(i.get("max"))))
        lag = ov.get("send_lag_ms") or {}
        errs = ov.get("socket_errors") or {}
        out.append("        sent after their slot by p50 %s / p99 %s / max %s ms (near 0: the pacing set the load;"
                   " large: every connection was busy); socket errors %s" % (
                       f2(lag.get("p50")), f2(lag.get("p99")), f2(lag.get("max")),
                       ", ".join("%s %d" % kv for kv in errs.items() if kv[1]) or "none"))
        srv = ov.get("server_side_ms") or {}
        out.append("        moonkeyd's own durations (request read -> answer ready, histogram buckets): " + "; ".join(
            "%s %d p50 <= %s p99 <= %s ms" % (code, h["count"], f2(h.get("p50")), f2(h.get("p99")))
            for code, h in srv.items() if h) + " (no socket or client queueing)")
        g = ov.get("server_gauges") or {}
        if g.get("samples"):
            def sp(name, fmt="%.1f"):
                v = g.get(name)
                return "-" if not v else ("mean " + fmt + " max " + fmt) % (v["mean"], v["max"])
            out.append("        moonkeyd every 2 s: loop lag %s ms (how late its loops run what is ready: the wait of every"
                       " request before it is read); batch queue %s requests, estimated wait %s ms, drain rate %s/s;"
                       " delivery queue %s" % (sp("loop_lag_ms"), sp("batch_queued", "%.0f"), sp("batch_wait_estimate_ms"),
                                               sp("batch_drain_rate_per_s", "%.0f"), sp("delivery_queue_depth", "%.0f")))
        r = ov["rss_kb"]
        growth = r.get("second_half_growth_kb_per_min")
        targets = ov.get("targets") or {}
        def verdict(v): return "-" if v is None else ("met" if v else "NOT met")
        out.append("        RSS every 1 s: %s before, first 10 s %s, middle 10 s %s, last 10 s %s (%s of the middle),"
                   " max %s; second half %s MB/min (least squares)" % (
                       mb(r["before"]), mb(r["first_10s_mean"]), mb(r.get("middle_10s_mean")), mb(r["last_10s_mean"]),
                       pct(r.get("last_over_middle")), mb(r["max"]), "-" if growth is None else "%+.2f" % (growth / 1024)))
        out.append("        targets: memory flat (second half <= %.1f MB/min, last 10 s <= %.0f%% of the middle 10 s): %s;"
                   " refusals fast (503/429 from send p50 <= %.0f ms, p99 <= %.0f ms): %s" % (
                       FLAT_SLOPE_MB_PER_MIN, 100 * (1 + FLAT_END_OVER_MIDDLE), verdict(targets.get("memory_flat")),
                       FAST_P50_MS, FAST_P99_MS, verdict(targets.get("refusals_fast"))))
        out.append("        outbox: %s pending when the load stopped, drained %s s later" % (
            ov["pending_when_load_stopped"], f1(ov["drain_after_load_s"])))
    ts = figures.get("table_size")
    if ts:
        m, ratio = ts["means"], ts["large_over_small"]
        small, large = _count_label(ts["small_users"]), _count_label(ts["large_users"])
        for mode in ("new", "existing"):
            s_, l_ = m["small_%s" % mode], m["large_%s" % mode]
            out.append("table size: sms %-8s %s users %s req/s (p99 %s ms), %s users %s req/s (p99 %s ms): %s"
                       " (target >= 90%%: %s; mean of %d and %d runs of %d s)" % (
                           mode, small, f0(s_["requests_per_s"]), f2(s_["p99_ms"]), large,
                           f0(l_["requests_per_s"]), f2(l_["p99_ms"]), pct(ratio[mode]),
                           "met" if ratio[mode] is not None and ratio[mode] >= 0.9 else "NOT met",
                           s_["runs"], l_["runs"], ts["seconds_per_run"]))
            cost = ts["cost_large_over_small"][mode]
            out.append("        cost per request (moonkeyd + MariaDB CPU) %s / %s us: %s (target <= 110%%: %s)" % (
                f0(s_["cpu_us_per_request"]), f0(l_["cpu_us_per_request"]), pct(cost),
                "met" if cost is not None and cost <= 1.1 else "NOT met"))
            out.append("        per request, %s / %s: moonkeyd CPU %s / %s us, MariaDB CPU %s / %s us; InnoDB pages"
                       " looked up %s / %s, read from disk %s / %s, written %s / %s, split %s / %s" % (
                           small, large, f0(s_["server_cpu_us_per_request"]), f0(l_["server_cpu_us_per_request"]),
                           f0(s_["db_cpu_us_per_request"]), f0(l_["db_cpu_us_per_request"]),
                           f1(s_["pool_pages_per_request"]), f1(l_["pool_pages_per_request"]),
                           f2(s_["disk_reads_per_request"]), f2(l_["disk_reads_per_request"]),
                           f2(s_["pages_flushed_per_request"]), f2(l_["pages_flushed_per_request"]),
                           f3(s_.get("page_splits_per_request")), f3(l_.get("page_splits_per_request"))))
        seed = ts.get("seed_large") or {}
        tables = ts.get("tables", {}).get("moonkey_bench_large", {})
        size = sum(t["data_bytes"] + t["index_bytes"] for t in tables.values())
        out.append("        seeding %s users + %s numbers: %s s (%s rows/s), dirty pages flushed %s s later;"
                   " users + phone_numbers %.1f GB; buffer pool %.1f GB, redo log %.1f GB; numbering checks %s" % (
                       large, large, f0(seed.get("seconds")), f0(seed.get("rows_per_s")), f0(ts["flush_after_seed_s"]),
                       size / 2**30, ts["buffer_pool_bytes"] / 2**30, ts.get("redo_log_bytes", 0) / 2**30,
                       "ok" if ts["numbering_ok"] else "FAILED"))
        shape = ts.get("number_index_after_seed") or {}
        def fill(size):
            f = shape.get(size) or {}
            return "%s pages %s full" % (f.get("pages", "-"), pct(f.get("fill")))
        build = seed.get("index_build") or {}
        out.append("        seed layout %s%s; phone_numbers_unique after the seed: %s %s, %s %s" % (
            ts.get("seed_layout", "-"),
            " (the number's index built after the load, fill factor %s, in %s s)" % (
                build.get("fill_factor"), f0(build.get("seconds"))) if build else "",
            small, fill("small"), large, fill("large")))
    return out
