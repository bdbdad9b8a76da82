-- wrk script for POST /v1/auth/otps/verify with the sandbox number's method id and code 000000
-- (test environment). A code verifies once: the first answer is 200, the rest 401 otp_expired
-- (the code is used). Those still run the whole verify path: key lookup, the code row locked with
-- SELECT … FOR UPDATE, the HMAC comparison, the verdict, the rollback.
-- Arguments (after --): method_id=pn_…   Env: BENCH_KEY (sk_test_…).
package.path = (os.getenv("BENCH_LUA_DIR") or "bench") .. "/?.lua;" .. package.path
local common = require "common"

local req

function setup(thread) common.setup(thread) end

function init(args)
    local a = common.parse_args(args)
    local headers = { ["Content-Type"] = "application/json",
                      ["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "") }
    req = wrk.format("POST", "/v1/auth/otps/verify", headers,
                     '{"method_id":"' .. (a.method_id or "") .. '","otp":"000000"}')
    common.publish()
end

function request() return req end

function response(status, headers, body) common.count_status(status, body) end

function done(summary, latency, requests) common.done(summary, latency, requests) end
