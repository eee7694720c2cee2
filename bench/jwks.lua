-- wrk script (diagnostic baseline): GET /.well-known/jwks.json. The HTTP layer plus one Ask to the token-actor pool,
-- no client authentication and no signing: the cost of a single actor round trip seen from HTTP.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

wrk.method = "GET"
wrk.path = "/.well-known/jwks.json"
