-- wrk script: POST /oauth/introspect (RFC 7662) of one valid access token, client_secret_basic.
-- Environment: BENCH_BASIC_AUTH = the Authorization header value, BENCH_ACCESS_TOKEN = the token to introspect;
-- BENCH_PATH = another path with the same request (the bare baseline's /verify).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/oauth/introspect"
wrk.body = "token=" .. assert(os.getenv("BENCH_ACCESS_TOKEN"), "BENCH_ACCESS_TOKEN is not set")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = assert(os.getenv("BENCH_BASIC_AUTH"), "BENCH_BASIC_AUTH is not set")
