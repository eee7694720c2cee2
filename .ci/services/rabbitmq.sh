#!/usr/bin/env bash
# RabbitMQ for the RabbitMQ sink tests: Debian's rabbitmq-server, node oauth2ci@localhost on 127.0.0.1:${OAUTH2_CI_RABBIT_PORT:-5673}.
#   start   install if missing, start under $OAUTH2_CI_WORK/rabbitmq, wait for await_startup, and append
#           OAUTH2_TEST_RABBIT_URL (plus what the outage test needs to stop and start it) to $OAUTH2_CI_ENV
#   stop    rabbitmqctl stop (under a timeout), then the PID, then epmd -kill; every wait has a time cap
#   status  exit 0 when the node answers
# The node keeps its data (mnesia, durable queues, persistent messages) under the work directory, so a
# stop/start keeps them.
SERVICE=rabbitmq
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
PORT="${OAUTH2_CI_RABBIT_PORT:-5673}"
DIST_PORT="${OAUTH2_CI_RABBIT_DIST_PORT:-25673}"
NODE="oauth2ci@localhost"
DIR="$WORK/rabbitmq"
BIN=/usr/lib/rabbitmq/bin

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

answers() { timeout 10 "$BIN/rabbitmqctl" -n "$NODE" -q status >/dev/null 2>&1; }
amqp_open() { port_open "$PORT"; }
amqp_closed() { ! port_open "$PORT"; }

# await_startup exits 69 at once when called before the node is known: retried (by wait_until), with a cap.
started() { timeout 60 "$BIN/rabbitmqctl" -n "$NODE" -q await_startup --timeout 60 >/dev/null 2>&1; }

start() {
  [ -x "$BIN/rabbitmq-server" ] && [ -x "$BIN/rabbitmqctl" ] || apt_install rabbitmq-server
  setup_env
  if amqp_open && answers; then
    log "already running on 127.0.0.1:$PORT"
  else
    "$BIN/rabbitmq-server" -detached >"$DIR/log/start.out" 2>&1 || true
    if ! wait_until 120 "the node to start" started || ! wait_until 30 "AMQP port $PORT" amqp_open; then
      tail -n 30 "$DIR/log/start.out" "$DIR"/log/*.log >&2 2>/dev/null || true
      exit 1
    fi
    log "ready on 127.0.0.1:$PORT (node $NODE, pid $(cat "$RABBITMQ_PID_FILE" 2>/dev/null || echo '?'))"
  fi
  append_env "OAUTH2_TEST_RABBIT_URL=amqp://guest:guest@127.0.0.1:$PORT/%2f" "OAUTH2_TEST_RABBIT_SERVICE=$SCRIPT" "OAUTH2_TEST_RABBIT_CI_WORK=$WORK"
}

stop() {
  [ -x "$BIN/rabbitmqctl" ] || { log "not installed"; return 0; }
  setup_env
  local pid=""
  [ -f "$RABBITMQ_PID_FILE" ] && pid="$(cat "$RABBITMQ_PID_FILE" 2>/dev/null || true)"
  # Plain `stop` under a timeout (`stop PIDFILE` was seen to hang for minutes).
  timeout 60 "$BIN/rabbitmqctl" -n "$NODE" -q stop >/dev/null 2>&1 || true
  [ -n "$pid" ] && stop_pid "$pid" 30
  timeout 10 epmd -kill >/dev/null 2>&1 || timeout 10 "$(dirname "$(readlink -f "$(command -v erl)")")/epmd" -kill >/dev/null 2>&1 || true
  wait_until 15 "port $PORT to close" amqp_closed || exit 1
  rm -f "$RABBITMQ_PID_FILE"
  log "stopped"
}

status() { setup_env; answers; }

run_command "start stop status" "$@"
