-- wrk script for the table-size pair: POST /v1/auth/otps/sms/login_or_create against a database
-- seeded by bench/seed_users.py (whose numbering this must match: see its docstring).
-- Arguments (after --): mode=new|existing  users=N (seeded users)  stride=S (seed_users' stride)
--   offset=J (new: first index of this run; every run takes its own range, all below 16,000,000)
--   threads=T
-- new: numbers between the seeded ones (odd last digit), at position(CAPACITY - 1 - j) for the run's
--   j-th request: random places over the whole range, so the unique index is entered as real
--   sign-ups enter it (sequential numbers would all land on one leaf page at any table size, and an
--   affine scatter, j * prime mod N, reaches the leaf pages evenly in turn, so that they fill and
--   split in step, as no real traffic makes them);
-- existing: a seeded user's number, picked uniformly at random.
-- bench/run checks the outcome: a new run creates a user per answer, an existing run none.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench") .. "/?.lua;" .. package.path
local common = require "common"

local AREAS = { "201", "202", "213", "214" }  -- as bench/seed_users.py
local PER_AREA = 4000000                      -- 800 exchanges x 5,000 lines of one parity
-- position(): a bijection of [0, CAPACITY) that looks random, a Feistel network on the two base-SIDE
-- digits of x: each round adds a multiply-shift hash of one digit to the other, mod SIDE (a
-- bijection whatever the hash). Four rounds, the fewest for which a Feistel network is a
-- pseudo-random permutation; in a simulation of the leaf pages its order gave the fills and split
-- rates of a shuffled order. Every product stays below 2^53, exact in a double.
local SIDE = 4000
local CAPACITY = SIDE * SIDE                  -- = #AREAS * PER_AREA
local ROUNDS = { { 2654435761, 1013904223 }, { 2246822519, 12345 }, { 3266489917, 2891336453 }, { 668265263, 40503 } }

local key, mode
local users, stride, offset, nthreads, counter = 1, 1, 0, 1, 0

local function position(x)
    local left, right = math.floor(x / SIDE), x % SIDE
    for _, r in ipairs(ROUNDS) do
        left, right = right, (left + math.floor(((right * r[1] + r[2]) % 4294967296) / 4096) % SIDE) % SIDE
    end
    return left * SIDE + right
end

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
        phone = number(position((CAPACITY - 1 - j) % CAPACITY), 1)
    end
    local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }
    return wrk.format("POST", "/v1/auth/otps/sms/login_or_create", headers, '{"phone_number":"' .. phone .. '"}')
end

function response(status, headers, body)
    common.count_status(status, body)
    common.count_created(body)
end

function done(summary, latency, requests) common.done(summary, latency, requests) end
