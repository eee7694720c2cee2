#!/usr/bin/env bash
# Redocly CLI for the OpenAPI lint (tests/openapi, run by OpenApiTests): an independent validator of /openapi/v1.json.
#   start   `npm ci` in tests/openapi (node and npm from Debian if missing)
#   stop    nothing to stop (the test runs the linter to its end)
# Nothing to append to $OAUTH2_CI_ENV: the test finds tests/openapi/node_modules itself, and under CI=true fails
# (never skips) when it is missing.
SERVICE=openapi-lint
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

start() {
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  (cd "$ROOT/tests/openapi" && npm ci --no-audit --no-fund --loglevel=error)
  REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    node "$ROOT/tests/openapi/node_modules/@redocly/cli/bin/cli.js" --version >/dev/null 2>&1 \
    || { log "redocly does not start"; exit 1; }
  log "ready: redocly $(cd "$ROOT/tests/openapi" && node -p 'require("./node_modules/@redocly/cli/package.json").version')"
}

stop() { :; }

run_command "start stop" "$@"
