-- Shared by the wrk scripts of bench/run (loaded with require "common"; bench/run puts bench/ on
-- LUA_PATH). Provides: unique phone numbers and emails across threads and scenarios, per-status
-- counting, optional pacing with coordinated-omission-corrected latencies, and a done() that writes
-- the scenario's figures as JSON to $BENCH_OUT.
--
-- Arguments after "--" on the wrk command line are key=value pairs (see parse_args).

local ffi = require("ffi")
ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")

local M = {}

-- Microseconds on the monotonic clock (wrk's Lua has no sub-second clock of its own).
function M.now_us()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

function M.parse_args(args)
    local out = {}
    for _, a in ipairs(args or {}) do
        local k, v = a:match("^([%w_]+)=(.*)$")
        if k then out[k] = v end
    end
    return out
end

-- Area codes for the unique numbers: block b (indices b*1e6 .. b*1e6+999999) uses AREAS[b+1],
-- with exchanges 200-299: +1 650 2xx xxxx, +1 415 2xx xxxx, ... All valid for libphonenumber.
-- (303 is left to bench_db_ceiling.)
local AREAS = { "650", "415", "212", "206", "312", "617", "702", "512", "919", "971", "404", "305", "801", "503" }

function M.phone(index)
    local block = math.floor(index / 1000000)
    local area = AREAS[(block % #AREAS) + 1]
    return string.format("+1%s%07d", area, 2000000 + index % 1000000)
end

function M.email(index)
    return string.format("bench-%d@example.com", index)
end

-- JSON string escaping for the few strings we write.
local function json_string(s)
    return '"' .. tostring(s):gsub('[%c"\\]', function(c)
        return string.format("\\u%04x", c:byte())
    end) .. '"'
end

local function json_value(v)
    local t = type(v)
    if t == "number" then
        if v ~= v or v == math.huge or v == -math.huge then return "null" end
        if v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
        return string.format("%.6g", v)
    elseif t == "boolean" then
        return tostring(v)
    elseif t == "table" then
        local is_array = #v > 0
        local parts = {}
        if is_array then
            for _, x in ipairs(v) do parts[#parts + 1] = json_value(x) end
            return "[" .. table.concat(parts, ",") .. "]"
        end
        local keys = {}
        for k in pairs(v) do keys[#keys + 1] = tostring(k) end
        table.sort(keys)
        for _, k in ipairs(keys) do parts[#parts + 1] = json_string(k) .. ":" .. json_value(v[k]) end
        return "{" .. table.concat(parts, ",") .. "}"
    elseif v == nil then
        return "null"
    end
    return json_string(v)
end
M.json = json_value

-- ---- per-thread state (each wrk thread runs its own copy of the script) ----

M.threads = {}          -- main state: the thread objects, for done()
M.statuses = {}         -- thread state: status code -> count
M.co_latencies = {}     -- thread state: paced mode, microseconds from the intended send time
M.created = { n = 0 }   -- thread state: login_or_create answers with "user_created":true

function M.setup(thread)
    thread:set("id", #M.threads)
    M.threads[#M.threads + 1] = thread
end

-- Counts answers by status, and by error_type for errors ("401 otp_expired").
function M.count_status(status, body)
    local key = tostring(status)
    if status >= 300 and body then
        local kind = body:match('"error_type"%s*:%s*"([^"]*)"')
        if kind then key = key .. " " .. kind end
    end
    M.statuses[key] = (M.statuses[key] or 0) + 1
end

-- ---- pacing (open model) ----
-- Each thread owns rate/threads requests per second, as a schedule of slots t0 + k*interval.
-- delay() hands every connection that is ready to send the next slot (waiting until it comes);
-- the request carries its slot time in X-Request-Id (moonkeyd echoes it), so the latency can be
-- measured from the intended send time as well as from the actual one. When the server falls
-- behind, slots pass while every connection is busy: their requests go out late (delay 0) and the
-- corrected latency counts that wait, which plain wrk (timing from the actual send) leaves out.

local pace = { interval_us = nil, next_slot = nil, queue = {}, head = 1, tail = 0 }

function M.pace_init(rate_per_thread)
    if rate_per_thread and rate_per_thread > 0 then
        pace.interval_us = 1000000 / rate_per_thread
    end
end

function M.paced()
    return pace.interval_us ~= nil
end

-- wrk's delay(): milliseconds to wait before this connection's next request.
function M.pace_delay()
    local now = M.now_us()
    if not pace.next_slot then pace.next_slot = now end
    local slot = pace.next_slot
    pace.next_slot = slot + pace.interval_us
    pace.tail = pace.tail + 1
    pace.queue[pace.tail] = slot
    local wait = slot - now
    if wait <= 0 then return 0 end
    return math.floor(wait / 1000 + 0.5)
end

-- The slot of the request being built now (timers fire in slot order, so the oldest claimed one).
function M.pace_take_slot()
    if pace.head > pace.tail then return M.now_us() end
    local slot = pace.queue[pace.head]
    pace.queue[pace.head] = nil
    pace.head = pace.head + 1
    return slot
end

function M.count_created(body)
    if body and body:find('"user_created":true', 1, true) then M.created.n = M.created.n + 1 end
end

function M.record_paced_response(headers)
    local id = headers["X-Request-Id"] or headers["x-request-id"]
    if not id then return end
    local slot = tonumber(id:match("^slot%-(%d+)"))
    if slot then
        M.co_latencies[#M.co_latencies + 1] = M.now_us() - slot
    end
end

-- ---- done(): one JSON object for bench/run ----

local function percentile(sorted, p)
    if #sorted == 0 then return nil end
    local rank = math.floor(p / 100 * (#sorted - 1) + 0.5) + 1
    if rank > #sorted then rank = #sorted end
    return sorted[rank]
end

function M.done(summary, latency, requests, extra)
    local statuses = {}
    local co = {}
    local created = 0
    for _, thread in ipairs(M.threads) do
        local c = thread:get("bench_created")
        if type(c) == "table" then created = created + (c.n or 0) end
        local s = thread:get("bench_statuses")
        if type(s) == "table" then
            for k, n in pairs(s) do statuses[k] = (statuses[k] or 0) + n end
        end
        local l = thread:get("bench_co_latencies")
        if type(l) == "table" then
            for _, us in ipairs(l) do co[#co + 1] = us end
        end
    end
    local seconds = summary.duration / 1000000
    local out = {
        requests = summary.requests,
        duration_s = seconds,
        requests_per_s = summary.requests / seconds,
        bytes = summary.bytes,
        latency_ms = {
            p50 = latency:percentile(50) / 1000,
            p90 = latency:percentile(90) / 1000,
            p99 = latency:percentile(99) / 1000,
            p999 = latency:percentile(99.9) / 1000,
            mean = latency.mean / 1000,
            max = latency.max / 1000,
        },
        errors = {
            connect = summary.errors.connect,
            read = summary.errors.read,
            write = summary.errors.write,
            status = summary.errors.status,
            timeout = summary.errors.timeout,
        },
        statuses = statuses,
        users_created = created,
    }
    if #co > 0 then
        table.sort(co)
        out.co_corrected_latency_ms = {
            samples = #co,
            p50 = percentile(co, 50) / 1000,
            p90 = percentile(co, 90) / 1000,
            p99 = percentile(co, 99) / 1000,
            p999 = percentile(co, 99.9) / 1000,
            max = co[#co] / 1000,
        }
    end
    for k, v in pairs(extra or {}) do out[k] = v end
    local path = os.getenv("BENCH_OUT")
    local text = json_value(out)
    if path and path ~= "" then
        local f = assert(io.open(path, "w"))
        f:write(text, "\n")
        f:close()
    else
        io.write(text, "\n")
    end
end

-- Publishes the thread's counters under the global names done() reads (call once from init()).
function M.publish()
    bench_statuses = M.statuses
    bench_co_latencies = M.co_latencies
    bench_created = M.created
end

return M
