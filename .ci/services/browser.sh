#!/usr/bin/env bash
# Headless Chromium and Playwright for the browser tests (tests/browser, run by BrowserFlowTests).
#   start   install Debian's chromium if /usr/bin/chromium is missing, `npm ci` in tests/browser, and append
#           OAUTH2_TEST_CHROMIUM to $OAUTH2_CI_ENV
#   stop    nothing to stop (the tests start and end their own browsers)
# .ci/run sets OAUTH2_CI_ENV; run by hand it defaults to /dev/null.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ENV_FILE="${OAUTH2_CI_ENV:-/dev/null}"
CHROMIUM=/usr/bin/chromium

log() { echo "[browser.sh] $*" >&2; }

install_chromium() {
  if [ -x "$CHROMIUM" ]; then
    return
  fi
  log "installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
}

install_playwright() {
  if ! command -v npm >/dev/null 2>&1; then
    log "installing nodejs and npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  # playwright-core ships no browser and downloads none: it drives the Debian chromium above.
  (cd "$ROOT/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
}

start() {
  install_chromium
  install_playwright
  "$CHROMIUM" --version >&2 || { log "chromium does not start"; exit 1; }
  if [ "$ENV_FILE" != /dev/null ]; then
    mkdir -p "$(dirname "$ENV_FILE")" && touch "$ENV_FILE"
  fi
  local line="OAUTH2_TEST_CHROMIUM=$CHROMIUM"
  if [ "$ENV_FILE" = /dev/null ] || ! grep -qxF "$line" "$ENV_FILE"; then
    echo "$line" >> "$ENV_FILE"
  fi
  log "ready: $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
}

case "${1:-}" in
  start) start ;;
  stop) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
