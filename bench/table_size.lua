-- wrk script for the table-size pair: POST /v1/auth/otps/sms/login_or_create against a database
-- seeded by bench/seed_users.py (whose numbering this must match: see its docstring).
-- Arguments (after --): mode=new|existing  users=N (seeded users)  stride=S (seed_users' stride)
--   offset=J (new: first index of this run; every run takes its own range)  threads=T
-- new: numbers between the seeded ones (odd last digit), scattered over the whole seeded range by a
--   multiplicative permutation, so the unique index is entered at random places as real sign-ups
--   would (sequential numbers would all land on one leaf page at any table size);
-- existing: a seeded user's number, picked uniformly at random.
-- bench/run checks the outcome: a new run creates a user per answer, an existing run none.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench") .. "/?.lua;" .. package.path
local common = require "common"

local AREAS = { "201", "202", "213", "214" }  -- as bench/seed_users.py
local PER_AREA = 4000000                      -- 800 exchanges x 5,000 lines of one parity
-- A prime above any seeded range (at most #AREAS * PER_AREA = 16,000,000 positions): multiplying by
-- it permutes the positions, and index * SCATTER stays exact in a double up to 5e8 indices.
local SCATTER = 16777259

local key, mode
local users, stride, offset, nthreads, counter = 1, 1, 0, 1, 0

local function number(q, parity)
    local area = AREAS[math.floor(q / PER_AREA) + 1]
    local r = q % PER_AREA
    return string.format("+1%s%03d%04d", area, 200 + math.floor(r / 5000), 2 * (r % 5000) + parity)
end

function setup(thread) common.setup(thread) end

function init(args)
    local a = common.parse_args(args)
    mode = a.mode or "new"
    users = tonumber(a.users or 1)
    stride = tonumber(a.stride or 1)
    offset = tonumber(a.offset or 0)
    nthreads = tonumber(a.threads or 1)
    key = os.getenv("BENCH_KEY") or ""
    math.randomseed(os.time() * 100 + (id or 0))
    common.publish()
end

function request()
    local phone
    if mode == "existing" then
        phone = number(math.random(0, users - 1) * stride, 0)
    else
        local j = offset + counter * nthreads + (id or 0)
        counter = counter + 1
        phone = number((j * SCATTER) % (users * stride), 1)
    end
    local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }
    return wrk.format("POST", "/v1/auth/otps/sms/login_or_create", headers, '{"phone_number":"' .. phone .. '"}')
end

function response(status, headers, body)
    common.count_status(status, body)
    common.count_created(body)
end

function done(summary, latency, requests) common.done(summary, latency, requests) end
