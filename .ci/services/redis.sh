#!/usr/bin/env bash
# Redis for the Redis Streams sink tests: Debian's redis-server on 127.0.0.1:${OAUTH2_CI_REDIS_PORT:-6390}.
#   start   install if missing, start under $OAUTH2_CI_WORK/redis, wait until it answers PING, and append
#           OAUTH2_TEST_REDIS_URL (plus what the outage test needs to stop and start it) to $OAUTH2_CI_ENV
#   stop    shut it down (by its PID file, with a time cap)
#   status  exit 0 when it answers PING
# .ci/run sets OAUTH2_CI_WORK and OAUTH2_CI_ENV; run by hand, both default to a directory under /tmp.
set -euo pipefail

SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
WORK="${OAUTH2_CI_WORK:-${TMPDIR:-/tmp}/oauth2-actors-ci}"
ENV_FILE="${OAUTH2_CI_ENV:-$WORK/env}"
PORT="${OAUTH2_CI_REDIS_PORT:-6390}"
DIR="$WORK/redis"
PIDFILE="$DIR/redis.pid"

log() { echo "[redis.sh] $*" >&2; }

install() {
  if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
    return
  fi
  log "installing redis-server"
  export DEBIAN_FRONTEND=noninteractive
  # One `apt-get update` per CI run, shared by the service scripts.
  if [ ! -f "$WORK/.apt-updated" ]; then
    apt-get update -qq && mkdir -p "$WORK" && touch "$WORK/.apt-updated"
  fi
  # A package list from an earlier run may be stale: refresh it once and retry.
  apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null; }
}

# A process that exited may linger as <defunct> for a while: that counts as gone.
alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }

ping() { [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]; }

append_env() {
  mkdir -p "$(dirname "$ENV_FILE")" && touch "$ENV_FILE"
  local line
  for line in "OAUTH2_TEST_REDIS_URL=redis://127.0.0.1:$PORT" "OAUTH2_TEST_REDIS_SERVICE=$SCRIPT" "OAUTH2_TEST_REDIS_CI_WORK=$WORK"; do
    grep -qxF "$line" "$ENV_FILE" || echo "$line" >> "$ENV_FILE"
  done
}

start() {
  install
  mkdir -p "$DIR"
  if ping; then
    log "already running on 127.0.0.1:$PORT"
  else
    # No persistence (the recipe): a restart empties the streams, the outage tests count what arrives after it.
    redis-server --port "$PORT" --bind 127.0.0.1 --daemonize yes --dir "$DIR" --pidfile "$PIDFILE" \
      --logfile "$DIR/redis.log" --save '' --appendonly no >/dev/null
    local deadline=$((SECONDS + 30))
    until ping; do
      if [ $SECONDS -ge $deadline ]; then
        log "not ready within 30 s; log:" && tail -n 20 "$DIR/redis.log" >&2 || true
        exit 1
      fi
      sleep 0.1
    done
    log "ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'))"
  fi
  append_env
}

stop() {
  local pid=""
  [ -f "$PIDFILE" ] && pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if ping; then
    timeout 10 redis-cli -h 127.0.0.1 -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
  if [ -n "$pid" ]; then
    local deadline=$((SECONDS + 15))
    while alive "$pid"; do
      if [ $SECONDS -ge $deadline ]; then
        log "pid $pid still running after 15 s: SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
  fi
  # Down means: no answer on the port.
  local deadline=$((SECONDS + 10))
  while ping; do
    [ $SECONDS -ge $deadline ] && { log "still answering on $PORT"; exit 1; }
    sleep 0.1
  done
  rm -f "$PIDFILE"
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) ping ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
