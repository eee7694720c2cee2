-- wrk script: POST /events/ingest, one new event per request (ids unique per run, thread and request), to fill the
-- durable event log. Environment: BENCH_BEARER = an access token with events:ingest; BENCH_RUN = a prefix unique to
-- the run (ids must not repeat: a repeated id is a duplicate, not appended).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local next_thread = 0
local base_setup = setup
function setup(thread)
   base_setup(thread)
   thread:set("thread_index", next_thread)
   next_thread = next_thread + 1
end

local run = os.getenv("BENCH_RUN") or tostring(os.time())
local headers = {
   ["Content-Type"] = "application/json",
   ["Authorization"] = "Bearer " .. assert(os.getenv("BENCH_BEARER"), "BENCH_BEARER is not set"),
}
local template = '{"event":{"id":"%s","event_type":"user_authenticated","timestamp":"2026-01-01T00:00:00.000Z",'
   .. '"severity":"info","user_id":"bench-user","client_id":"bench-ingest","metadata":{"n":"%d"},"error":null},'
   .. '"idempotency_key":null,"traceparent":null,"tracestate":null,"correlation_id":null,"producer":"bench-producer",'
   .. '"produced_at":"2026-01-01T00:00:00.000Z","attributes":{}}'
local counter = 0

function request()
   counter = counter + 1
   local id = string.format("%s-%d-%d", run, thread_index or 0, counter)
   return wrk.format("POST", "/events/ingest", headers, string.format(template, id, counter))
end
