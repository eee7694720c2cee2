-- wrk script: POST /oauth/token (client_credentials) and append every access_token issued to
-- BENCH_MINT_DIR/tokens-<thread>.txt: mints the distinct tokens the rotation scenario introspects.
local counter = 0
function setup(thread)
   thread:set("thread_index", counter)
   counter = counter + 1
end

wrk.method = "POST"
wrk.path = "/oauth/token"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = assert(os.getenv("BENCH_BASIC_AUTH"), "BENCH_BASIC_AUTH is not set")

local out
function init(args)
   out = assert(io.open(os.getenv("BENCH_MINT_DIR") .. "/tokens-" .. (thread_index or 0) .. ".txt", "a"))
   out:setvbuf("line")
end

function response(status, headers, body)
   local token = body and body:match('"access_token":"([^"]+)"')
   if token then out:write(token, "\n") end
end

function done() end
