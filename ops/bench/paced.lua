-- wrk script for ops/bench/request-overhead: holds a fixed request rate instead of wrk's
-- "as fast as possible", to read the latency at a given load (p99 at half the peak rate).
--   wrk -s ops/bench/paced.lua ... URL -- RATE THREADS
-- Each wrk thread keeps its own schedule, one request every THREADS/RATE seconds, shared by
-- its connections: delay() answers how long until the next slot is due, so a slow response is
-- not followed by a burst, and the rate holds as long as a connection is free. Clock:
-- clock_gettime through LuaJIT's ffi (wrk is built on LuaJIT).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } reqbench_timespec;
  int clock_gettime(int clk_id, reqbench_timespec *tp);
]]
local ts = ffi.new("reqbench_timespec")
local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local interval, nextSlot

function init(args)
    local rate, threads = tonumber(args[1]), tonumber(args[2])
    assert(rate and rate > 0 and threads and threads > 0, "usage: -- RATE THREADS")
    interval = 1000 * threads / rate
end

function delay()
    local now = now_ms()
    if nextSlot == nil then nextSlot = now end
    nextSlot = nextSlot + interval
    -- Behind schedule: send now; never queue up a burst of overdue slots.
    if nextSlot < now then nextSlot = now end
    return math.floor(nextSlot - now)
end
