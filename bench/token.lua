-- wrk script: POST /oauth/token, grant_type=client_credentials, client_secret_basic.
-- Environment: BENCH_BASIC_AUTH = the full Authorization header value ("Basic base64(id:secret)");
-- BENCH_PATH = another path with the same request (the bare baseline's /sign).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/oauth/token"
wrk.body = os.getenv("BENCH_TOKEN_BODY") or "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = assert(os.getenv("BENCH_BASIC_AUTH"), "BENCH_BASIC_AUTH is not set")
