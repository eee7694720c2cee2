-- wrk script (diagnostic baseline): GET /health. Kestrel, routing, middleware and a small JSON body, no actor
-- involved: the ceiling of the HTTP layer on this machine, to compare with the token and introspection figures.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

wrk.method = "GET"
wrk.path = "/health"
