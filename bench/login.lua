-- wrk script for POST /v1/auth/otps/{sms,email}/login_or_create.
-- Arguments (after --): channel=sms|email  offset=N (first index of this scenario's block)
--   threads=T (wrk threads)  existing_share=0..1, pool_base=N, pool_size=N (share of requests that
--   repeat an index from [pool_base, pool_base+pool_size), i.e. users created earlier)
--   rate=R (requests/s for the whole run: paced, open model; 0 = as fast as possible)
-- New destinations are unique across threads (index = offset + k*threads + thread id) and across
-- scenarios (each scenario gets its own block of a million indices). Env: BENCH_KEY (sk_test_…).
package.path = (os.getenv("BENCH_LUA_DIR") or "bench") .. "/?.lua;" .. package.path
local common = require "common"

local path, key, channel
local offset, nthreads, counter = 0, 1, 0
local existing_share, pool_base, pool_size = 0, 0, 0

function setup(thread) common.setup(thread) end

function init(args)
    local a = common.parse_args(args)
    channel = a.channel or "sms"
    offset = tonumber(a.offset or 0)
    nthreads = tonumber(a.threads or 1)
    existing_share = tonumber(a.existing_share or 0)
    pool_base = tonumber(a.pool_base or 0)
    pool_size = tonumber(a.pool_size or 0)
    key = os.getenv("BENCH_KEY") or ""
    path = "/v1/auth/otps/" .. channel .. "/login_or_create"
    math.randomseed(os.time() * 100 + (id or 0))
    local rate = tonumber(a.rate or 0)
    if rate > 0 then
        common.pace_init(rate / nthreads)
        -- Defined only when pacing: wrk checks for delay() after init().
        delay = common.pace_delay
    end
    common.publish()
end

function request()
    local index
    if pool_size > 0 and existing_share > 0 and math.random() < existing_share then
        index = pool_base + math.random(0, pool_size - 1)
    else
        index = offset + counter * nthreads + (id or 0)
        counter = counter + 1
    end
    local body
    if channel == "sms" then
        body = '{"phone_number":"' .. common.phone(index) .. '"}'
    else
        body = '{"email":"' .. common.email(index) .. '"}'
    end
    local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }
    if common.paced() then headers["X-Request-Id"] = "slot-" .. common.pace_take_slot() end
    return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
    common.count_status(status, body)
    common.count_created(body)
    if common.paced() then common.record_paced_response(headers) end
end

function done(summary, latency, requests) common.done(summary, latency, requests) end
