-- wrk script for the overload run: POST /v1/auth/otps/sms/login_or_create with new numbers, paced
-- at a fixed rate (open model, common.lua), with the answers split into 2xx and the rest.
-- Arguments (after --): offset=N (first index, see common.phone)  threads=T (wrk threads)
--   rate=R (requests/s offered for the whole run)
-- Each request carries "slot-<intended send>-<actual send>" (microseconds, CLOCK_MONOTONIC) in
-- X-Request-Id, which moonkeyd echoes, so every answer is timed both from its actual send (what wrk
-- measures) and from its intended send (coordinated omission corrected), per class. done() adds to
-- the usual JSON: "classes" (2xx and non_2xx: count, latency percentiles of both kinds), "send_lag_ms"
-- (how late requests left after their slot: near 0 while the pacing, not the connection count, sets
-- the load), "sent" (requests written) and "timeline" (answers per wall-clock second and class).
package.path = (os.getenv("BENCH_LUA_DIR") or "bench") .. "/?.lua;" .. package.path
local common = require "common"
local ffi = require "ffi"

-- clock_gettime and bench_timespec are declared by common.lua.
local CLOCK_REALTIME = 0
local wall_ts = ffi.new("bench_timespec")
local function wall_second()
    ffi.C.clock_gettime(CLOCK_REALTIME, wall_ts)
    return tonumber(wall_ts.tv_sec)
end

local key
local offset, nthreads, counter = 0, 1, 0

-- Thread state, published under global names for done() (see common.publish). Flat tables only:
-- wrk's thread:get() cannot copy a table that holds tables (it crashes).
local LISTS = { "ok_sent", "ok_slot", "other_sent", "other_slot", "lag" }
local lat = {}      -- list name -> microseconds
for _, name in ipairs(LISTS) do lat[name] = {} end
local per_second = { ok = {}, other = {} }  -- class -> (wall second -> answers)
local sent = { n = 0 }

function setup(thread) common.setup(thread) end

function init(args)
    local a = common.parse_args(args)
    offset = tonumber(a.offset or 0)
    nthreads = tonumber(a.threads or 1)
    key = os.getenv("BENCH_KEY") or ""
    local rate = tonumber(a.rate or 0)
    assert(rate > 0, "overload.lua needs rate=R")
    common.pace_init(rate / nthreads)
    delay = common.pace_delay
    common.publish()
    for _, name in ipairs(LISTS) do _G["overload_" .. name] = lat[name] end
    overload_ok_per_second, overload_other_per_second = per_second.ok, per_second.other
    overload_sent = sent
end

function request()
    local index = offset + counter * nthreads + (id or 0)
    counter = counter + 1
    local slot = common.pace_take_slot()
    local now = common.now_us()
    lat.lag[#lat.lag + 1] = now - slot
    sent.n = sent.n + 1
    local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key,
                      -- (slots are fractional microseconds: the id carries whole ones)
                      ["X-Request-Id"] = string.format("slot-%d-%d", math.floor(slot), now) }
    return wrk.format("POST", "/v1/auth/otps/sms/login_or_create", headers,
                      '{"phone_number":"' .. common.phone(index) .. '"}')
end

function response(status, headers, body)
    common.count_status(status, body)
    common.count_created(body)
    local now = common.now_us()
    local id_ = headers["X-Request-Id"] or headers["x-request-id"] or ""
    local slot, at = id_:match("^slot%-(%d+)%-(%d+)$")
    local class = (status >= 200 and status < 300) and "ok" or "other"
    if slot then
        lat[class .. "_slot"][#lat[class .. "_slot"] + 1] = now - tonumber(slot)
        lat[class .. "_sent"][#lat[class .. "_sent"] + 1] = now - tonumber(at)
    end
    local second = wall_second()
    local counts = per_second[class]
    counts[second] = (counts[second] or 0) + 1
end

local function percentiles(values)
    if #values == 0 then return { count = 0 } end
    table.sort(values)
    local function at(p)
        local rank = math.floor(p / 100 * (#values - 1) + 0.5) + 1
        return values[math.min(rank, #values)] / 1000
    end
    return { count = #values, p50 = at(50), p90 = at(90), p99 = at(99), p999 = at(99.9),
             max = values[#values] / 1000 }
end

function done(summary, latency, requests)
    local merged = {}
    for _, name in ipairs(LISTS) do merged[name] = {} end
    local seconds, total_sent = {}, 0
    for _, thread in ipairs(common.threads) do
        for _, name in ipairs(LISTS) do
            local into = merged[name]
            for _, v in ipairs(thread:get("overload_" .. name) or {}) do into[#into + 1] = v end
        end
        for _, class in ipairs({ "ok", "other" }) do
            for second, n in pairs(thread:get("overload_" .. class .. "_per_second") or {}) do
                local s = seconds[second] or { ok = 0, other = 0 }
                s[class] = s[class] + n
                seconds[second] = s
            end
        end
        local s = thread:get("overload_sent")
        total_sent = total_sent + ((s and s.n) or 0)
    end
    local timeline_out = {}
    for second, b in pairs(seconds) do
        timeline_out[#timeline_out + 1] = { second, b.ok, b.other }
    end
    table.sort(timeline_out, function(x, y) return x[1] < y[1] end)
    common.done(summary, latency, requests, {
        classes = {
            ["2xx"] = { from_send_ms = percentiles(merged.ok_sent), from_intended_ms = percentiles(merged.ok_slot) },
            non_2xx = { from_send_ms = percentiles(merged.other_sent), from_intended_ms = percentiles(merged.other_slot) },
        },
        send_lag_ms = percentiles(merged.lag),
        sent = total_sent,
        timeline = timeline_out,
    })
end
