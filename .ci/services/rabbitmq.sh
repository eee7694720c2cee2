#!/usr/bin/env bash
# RabbitMQ for the RabbitMQ sink tests: Debian's rabbitmq-server, node oauth2ci@localhost on 127.0.0.1:${OAUTH2_CI_RABBIT_PORT:-5673}.
#   start   install if missing, start under $OAUTH2_CI_WORK/rabbitmq, wait for await_startup, and append
#           OAUTH2_TEST_RABBIT_URL (plus what the outage test needs to stop and start it) to $OAUTH2_CI_ENV
#   stop    rabbitmqctl stop (under a timeout), then the PID, then epmd -kill; every wait has a time cap
#   status  exit 0 when the node answers
# The node keeps its data (mnesia, durable queues, persistent messages) under the work directory, so a
# stop/start keeps them. .ci/run sets OAUTH2_CI_WORK and OAUTH2_CI_ENV; run by hand, both default under /tmp.
set -euo pipefail

SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
WORK="${OAUTH2_CI_WORK:-${TMPDIR:-/tmp}/oauth2-actors-ci}"
ENV_FILE="${OAUTH2_CI_ENV:-$WORK/env}"
PORT="${OAUTH2_CI_RABBIT_PORT:-5673}"
DIST_PORT="${OAUTH2_CI_RABBIT_DIST_PORT:-25673}"
NODE="oauth2ci@localhost"
DIR="$WORK/rabbitmq"
BIN=/usr/lib/rabbitmq/bin

log() { echo "[rabbitmq.sh] $*" >&2; }

# The recipe: the real scripts as root, HOME (the Erlang cookie) and every RABBITMQ_* path under the work dir.
setup_env() {
  mkdir -p "$DIR/home" "$DIR/mnesia" "$DIR/log"
  [ -f "$DIR/enabled_plugins" ] || echo '[].' > "$DIR/enabled_plugins"
  [ -f "$DIR/rabbitmq.conf" ] || : > "$DIR/rabbitmq.conf"
  export HOME="$DIR/home"
  export RABBITMQ_NODENAME="$NODE"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$PORT"
  export RABBITMQ_DIST_PORT="$DIST_PORT"
  export RABBITMQ_MNESIA_BASE="$DIR/mnesia"
  export RABBITMQ_LOG_BASE="$DIR/log"
  export RABBITMQ_PID_FILE="$DIR/rabbitmq.pid"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
  export RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf"
  export ERL_EPMD_ADDRESS=127.0.0.1
  # No scheduler busy-waiting: on a small machine shared with the tests, spinning schedulers only steal CPU.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="+sbwt none +sbwtdcpu none +sbwtdio none"
}

install() {
  if [ -x "$BIN/rabbitmq-server" ] && [ -x "$BIN/rabbitmqctl" ]; then
    return
  fi
  log "installing rabbitmq-server"
  export DEBIAN_FRONTEND=noninteractive
  # One `apt-get update` per CI run, shared by the service scripts.
  if [ ! -f "$WORK/.apt-updated" ]; then
    apt-get update -qq && mkdir -p "$WORK" && touch "$WORK/.apt-updated"
  fi
  # A package list from an earlier run may be stale: refresh it once and retry.
  apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null; }
}

alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }

answers() { timeout 10 "$BIN/rabbitmqctl" -n "$NODE" -q status >/dev/null 2>&1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

append_env() {
  mkdir -p "$(dirname "$ENV_FILE")" && touch "$ENV_FILE"
  local line
  for line in "OAUTH2_TEST_RABBIT_URL=amqp://guest:guest@127.0.0.1:$PORT/%2f" "OAUTH2_TEST_RABBIT_SERVICE=$SCRIPT" "OAUTH2_TEST_RABBIT_CI_WORK=$WORK"; do
    grep -qxF "$line" "$ENV_FILE" || echo "$line" >> "$ENV_FILE"
  done
}

start() {
  install
  setup_env
  if port_open && answers; then
    log "already running on 127.0.0.1:$PORT"
  else
    "$BIN/rabbitmq-server" -detached >"$DIR/log/start.out" 2>&1 || true
    # await_startup exits 69 at once when called before the node is known: retry it, with a cap.
    local deadline=$((SECONDS + 120))
    until timeout 60 "$BIN/rabbitmqctl" -n "$NODE" -q await_startup --timeout 60 >/dev/null 2>&1; do
      if [ $SECONDS -ge $deadline ]; then
        log "not ready within 120 s; logs:"
        tail -n 30 "$DIR/log/start.out" "$DIR"/log/*.log >&2 2>/dev/null || true
        exit 1
      fi
      sleep 0.5
    done
    until port_open; do
      [ $SECONDS -ge $deadline ] && { log "AMQP port $PORT not open"; exit 1; }
      sleep 0.2
    done
    log "ready on 127.0.0.1:$PORT (node $NODE, pid $(cat "$RABBITMQ_PID_FILE" 2>/dev/null || echo '?'))"
  fi
  append_env
}

stop() {
  [ -x "$BIN/rabbitmqctl" ] || { log "not installed"; return 0; }
  setup_env
  local pid=""
  [ -f "$RABBITMQ_PID_FILE" ] && pid="$(cat "$RABBITMQ_PID_FILE" 2>/dev/null || true)"
  # Plain `stop` under a timeout (`stop PIDFILE` was seen to hang for minutes).
  timeout 60 "$BIN/rabbitmqctl" -n "$NODE" -q stop >/dev/null 2>&1 || true
  if [ -n "$pid" ]; then
    local deadline=$((SECONDS + 30))
    while alive "$pid"; do
      if [ $SECONDS -ge $deadline ]; then
        log "pid $pid still running after 30 s: SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
  fi
  timeout 10 epmd -kill >/dev/null 2>&1 || timeout 10 "$(dirname "$(readlink -f "$(command -v erl)")")/epmd" -kill >/dev/null 2>&1 || true
  local deadline=$((SECONDS + 15))
  while port_open; do
    [ $SECONDS -ge $deadline ] && { log "port $PORT still open"; exit 1; }
    sleep 0.2
  done
  rm -f "$RABBITMQ_PID_FILE"
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) setup_env; answers ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
