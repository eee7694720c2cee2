-- Shared part of the wrk scripts in bench/: per-thread status counting and the summary printed by done().
-- Loaded by token.lua and introspect.lua (dofile, relative to the calling script).
--
-- Without BENCH_STRICT=1 the non-2xx count is wrk's own (responses with status >= 400), which costs nothing.
-- With BENCH_STRICT=1 a response() callback counts every status outside 200-299 and checks the body
-- (BENCH_EXPECT: a substring every good response must contain); wrk then parses each body, which costs some
-- client CPU, so use it to verify correctness rather than for the headline numbers.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

if os.getenv("BENCH_STRICT") == "1" then
   local expect = os.getenv("BENCH_EXPECT")
   non2xx = 0
   unexpected = 0
   function response(status, headers, body)
      if status < 200 or status > 299 then
         non2xx = non2xx + 1
      elseif expect ~= nil and expect ~= "" and (body == nil or not string.find(body, expect, 1, true)) then
         unexpected = unexpected + 1
      end
   end
end

function done(summary, latency, requests)
   local strict = os.getenv("BENCH_STRICT") == "1"
   local non2xx, unexpected = 0, 0
   if strict then
      for _, t in ipairs(threads) do
         non2xx = non2xx + (t:get("non2xx") or 0)
         unexpected = unexpected + (t:get("unexpected") or 0)
      end
   else
      non2xx = summary.errors.status
   end
   local e = summary.errors
   local socket = e.connect + e.read + e.write + e.timeout
   local seconds = summary.duration / 1e6
   local rps = summary.requests / seconds
   io.write(string.format(
      "BENCH_RESULT rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d duration_s=%.2f non2xx=%d unexpected_body=%d socket_errors=%d connect=%d read=%d write=%d timeout=%d strict=%d\n",
      rps,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
      summary.requests, seconds, non2xx, unexpected, socket, e.connect, e.read, e.write, e.timeout, strict and 1 or 0))
end
