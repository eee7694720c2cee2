-- wrk script: a sign-in flood. POST /oauth/token, grant_type=password, a new random username each request (so the
-- node's memory of unknown usernames never helps), authenticated as a client registered for the password grant.
-- Environment: BENCH_PASSWORD_AUTH = the full Authorization header value of that client.
-- Prints FLOOD_RESULT with the request rate and the answers by status: 400 (refused, invalid_grant: the hash ran),
-- 429 (rate limited), 503 (temporarily_unavailable: the request timed out, its hash dropped), other.
local threads = {}
local auth = assert(os.getenv("BENCH_PASSWORD_AUTH"), "BENCH_PASSWORD_AUTH is not set")

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   math.randomseed(os.time() * 1000 + id)
   s400, s429, s503, other = 0, 0, 0, 0
end

function request()
   local body = string.format("grant_type=password&username=flood-%d-%d&password=not-the-password-%d", id, math.random(1, 2000000000), math.random(1, 1000000))
   return wrk.format("POST", "/oauth/token", { ["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = auth }, body)
end

function response(status, headers, body)
   if status == 400 then s400 = s400 + 1
   elseif status == 429 then s429 = s429 + 1
   elseif status == 503 then s503 = s503 + 1
   else other = other + 1 end
end

function done(summary, latency, requests)
   local t400, t429, t503, tother = 0, 0, 0, 0
   for _, t in ipairs(threads) do
      t400 = t400 + t:get("s400"); t429 = t429 + t:get("s429"); t503 = t503 + t:get("s503"); tother = tother + t:get("other")
   end
   local e = summary.errors
   io.write(string.format("FLOOD_RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d s400=%d s429=%d s503=%d other=%d socket_errors=%d\n",
      summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      summary.requests, t400, t429, t503, tother, e.connect + e.read + e.write + e.timeout))
end
