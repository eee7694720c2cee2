#!/usr/bin/env bash
# Headless Chromium and Playwright for the browser tests (tests/browser, run by BrowserFlowTests).
#   start   install Debian's chromium if /usr/bin/chromium is missing, `npm ci` in tests/browser, and append
#           OAUTH2_TEST_CHROMIUM to $OAUTH2_CI_ENV
#   stop    nothing to stop (the tests start and end their own browsers)
# Run by hand, the variable goes to /dev/null (nothing to keep).
OAUTH2_CI_ENV="${OAUTH2_CI_ENV:-/dev/null}"
SERVICE=browser
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CHROMIUM=/usr/bin/chromium

start() {
  [ -x "$CHROMIUM" ] || apt_install chromium
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  # playwright-core ships no browser and downloads none: it drives the Debian chromium above.
  (cd "$ROOT/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
  "$CHROMIUM" --version >&2 || { log "chromium does not start"; exit 1; }
  append_env "OAUTH2_TEST_CHROMIUM=$CHROMIUM"
  log "ready: $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
}

stop() { :; }

run_command "start stop" "$@"
