#!/usr/bin/env bash
# Redis for the Redis Streams sink tests: Debian's redis-server on 127.0.0.1:${OAUTH2_CI_REDIS_PORT:-6390}.
#   start   install if missing, start under $OAUTH2_CI_WORK/redis, wait until it answers PING, and append
#           OAUTH2_TEST_REDIS_URL (plus what the outage test needs to stop and start it) to $OAUTH2_CI_ENV
#   stop    shut it down (by its PID file, with a time cap)
#   status  exit 0 when it answers PING
SERVICE=redis
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
PORT="${OAUTH2_CI_REDIS_PORT:-6390}"
DIR="$WORK/redis"
PIDFILE="$DIR/redis.pid"

ping() { [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]; }
down() { ! ping; }

start() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || apt_install redis-server redis-tools
  mkdir -p "$DIR"
  if ping; then
    log "already running on 127.0.0.1:$PORT"
  else
    # No persistence (the recipe): a restart empties the streams, the outage tests count what arrives after it.
    redis-server --port "$PORT" --bind 127.0.0.1 --daemonize yes --dir "$DIR" --pidfile "$PIDFILE" \
      --logfile "$DIR/redis.log" --save '' --appendonly no >/dev/null
    wait_until 30 "PING on $PORT" ping || { tail -n 20 "$DIR/redis.log" >&2 || true; exit 1; }
    log "ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'))"
  fi
  append_env "OAUTH2_TEST_REDIS_URL=redis://127.0.0.1:$PORT" "OAUTH2_TEST_REDIS_SERVICE=$SCRIPT" "OAUTH2_TEST_REDIS_CI_WORK=$WORK"
}

stop() {
  local pid=""
  [ -f "$PIDFILE" ] && pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  ping && { timeout 10 redis-cli -h 127.0.0.1 -p "$PORT" shutdown nosave >/dev/null 2>&1 || true; }
  [ -n "$pid" ] && stop_pid "$pid" 15
  # Down means: no answer on the port.
  wait_until 10 "silence on $PORT" down || exit 1
  rm -f "$PIDFILE"
  log "stopped"
}

status() { ping; }

run_command "start stop status" "$@"
