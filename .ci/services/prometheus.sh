#!/usr/bin/env bash
# Prometheus for the metrics test: Debian's prometheus on 127.0.0.1:${OAUTH2_CI_PROMETHEUS_PORT:-9091}, scraping every
# second the targets the tests write into a file_sd file (one job, oauth2; the file starts as []).
#   start   install if missing, start under $OAUTH2_CI_WORK/prometheus, wait until /-/ready answers, and append
#           OAUTH2_TEST_PROMETHEUS_URL and OAUTH2_TEST_PROMETHEUS_TARGETS (the file_sd file) to $OAUTH2_CI_ENV
#   stop    stop it by its PID (SIGTERM, SIGKILL after a time cap) and wait for the port to close
#   status  exit 0 when /-/ready answers
# The package's own service is not used (no systemd here): the binary runs as a child of this script, detached.
SERVICE=prometheus
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PORT="${OAUTH2_CI_PROMETHEUS_PORT:-9091}"
DIR="$WORK/prometheus"
PIDFILE="$DIR/prometheus.pid"
TARGETS="$DIR/targets.json"
URL="http://127.0.0.1:$PORT"

ready() { timeout 2 curl -fsS -o /dev/null "$URL/-/ready" 2>/dev/null; }
closed() { ! port_open "$PORT"; }

write_config() {
  mkdir -p "$DIR/data"
  # The tests overwrite the targets (and restore [] when done); Prometheus rereads the file every second.
  [ -f "$TARGETS" ] || echo '[]' > "$TARGETS"
  cat > "$DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: oauth2
    metrics_path: /metrics
    file_sd_configs:
      - files: ['$TARGETS']
        refresh_interval: 1s
EOF
}

start() {
  command -v prometheus >/dev/null 2>&1 || apt_install prometheus
  command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
  write_config
  if ready; then
    log "already running on 127.0.0.1:$PORT"
  else
    if port_open "$PORT"; then
      log "port $PORT is taken by another process"
      exit 1
    fi
    setsid nohup prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
      --web.listen-address="127.0.0.1:$PORT" --storage.tsdb.retention.time=1d </dev/null >>"$DIR/prometheus.log" 2>&1 &
    echo $! > "$PIDFILE"
    wait_until 60 "/-/ready on $PORT" ready || { tail -n 20 "$DIR/prometheus.log" >&2 || true; exit 1; }
    log "ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), targets in $TARGETS)"
  fi
  append_env "OAUTH2_TEST_PROMETHEUS_URL=$URL" "OAUTH2_TEST_PROMETHEUS_TARGETS=$TARGETS"
}

stop() {
  local pid=""
  [ -f "$PIDFILE" ] && pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    stop_pid "$pid" 15
  fi
  wait_until 10 "port $PORT to close" closed || exit 1
  rm -f "$PIDFILE"
  log "stopped"
}

status() { ready; }

run_command "start stop status" "$@"
