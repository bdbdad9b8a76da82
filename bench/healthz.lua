-- wrk script for GET /healthz (moonkeyd and bench_hello, same settings): a static request, so wrk
-- runs at full speed; no response() callback (it would make wrk parse every header in Lua).
package.path = (os.getenv("BENCH_LUA_DIR") or "bench") .. "/?.lua;" .. package.path
local common = require "common"

function setup(thread) common.setup(thread) end

function done(summary, latency, requests) common.done(summary, latency, requests) end
