-- wrk script: POST /oauth/introspect of many distinct tokens in rotation (each thread starts at its own offset),
-- so the token actors' cache of verified tokens misses. Requests are formatted once in init(), not per request.
-- Environment: BENCH_TOKENS_FILE = one token per line, BENCH_BASIC_AUTH, BENCH_PATH (default /oauth/introspect).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local counter = 0
local base_setup = setup
function setup(thread)
   base_setup(thread)
   thread:set("thread_index", counter)
   counter = counter + 1
end

local requests, n, i = {}, 0, 0
function init(args)
   local path = os.getenv("BENCH_PATH") or "/oauth/introspect"
   local headers = {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Authorization"] = assert(os.getenv("BENCH_BASIC_AUTH"), "BENCH_BASIC_AUTH is not set"),
   }
   local f = assert(io.open(assert(os.getenv("BENCH_TOKENS_FILE"), "BENCH_TOKENS_FILE is not set"), "r"))
   local text = f:read("*a")
   f:close()
   for line in text:gmatch("[^\n]+") do
      do
         n = n + 1
         requests[n] = wrk.format("POST", path, headers, "token=" .. line)
      end
   end
   assert(n > 0, "no tokens in BENCH_TOKENS_FILE")
   i = ((thread_index or 0) * 7919) % n
end

function request()
   i = i % n + 1
   return requests[i]
end
