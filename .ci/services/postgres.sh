#!/usr/bin/env bash
# PostgreSQL 15 for the PostgreSQL run of the server suite (.ci/run runs it with OAUTH2_TEST_DATABASE=postgres; the
# test host then gives every server it starts a database of its own, created and dropped through this instance).
#   start   install Debian's postgresql-15 if $PGBIN is missing, initdb a throwaway cluster (trust auth, no fsync) in a
#           temp directory owned by the postgres user, start it on 127.0.0.1 on a free port (OAUTH2_CI_POSTGRES_PORT to
#           choose one), and append OAUTH2_TEST_POSTGRES_URL to $OAUTH2_CI_ENV
#   stop    pg_ctl stop -m fast (time-capped, then the postmaster's PID), remove the directory and the variable
#   status  exit 0 when the server accepts connections
# The cluster's directory is remembered in $WORK/postgres.dir (initdb refuses root, and the postgres user must be able
# to read the data directory, so it lives under /tmp rather than in the clone).
#
# By hand (as root, from the clone):
#   bash .ci/services/postgres.sh start        # prints the variable and where it is written
#   set -a; . /tmp/oauth2-actors-ci/env; set +a  # or: export OAUTH2_TEST_POSTGRES_URL=<the printed URL>
#   OAUTH2_TEST_DATABASE=postgres dotnet test tests/OAuth2.Actors.Server.Tests
#   bash .ci/services/postgres.sh stop
SERVICE=postgres
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PGBIN="${OAUTH2_CI_PGBIN:-/usr/lib/postgresql/15/bin}"
DIR_FILE="$WORK/postgres.dir"
READY_SECONDS=60

dir() { [ -f "$DIR_FILE" ] && cat "$DIR_FILE" || true; }
port_of() { [ -f "$1/port" ] && cat "$1/port" || true; }

# as_postgres COMMAND...: as the postgres user (from a directory it can read: the clone may be under /root).
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

answers() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 2 >/dev/null 2>&1; }
silent() { ! port_open "$1"; }

free_port() {
  local port
  if [ -n "${OAUTH2_CI_POSTGRES_PORT:-}" ]; then
    echo "$OAUTH2_CI_POSTGRES_PORT"
    return
  fi
  # Below the kernel's ephemeral range (32768 and up), so a client socket does not take it before postgres binds it.
  for port in $(shuf -i 20000-29999 -n 50); do
    port_open "$port" || { echo "$port"; return; }
  done
  log "no free port found"
  return 1
}

start() {
  [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ] || apt_install postgresql-15
  id -u postgres >/dev/null 2>&1 || { log "no postgres user (the postgresql package creates it)"; exit 1; }
  mkdir -p "$WORK"
  local dir port
  dir="$(dir)"
  if [ -n "$dir" ] && port="$(port_of "$dir")" && [ -n "$port" ] && answers "$port"; then
    log "already running on 127.0.0.1:$port ($dir)"
  else
    [ -n "$dir" ] && rm -rf "$dir"
    dir="$(mktemp -d /tmp/oauth2-actors-postgres.XXXXXX)"
    echo "$dir" > "$DIR_FILE"
    port="$(free_port)"
    echo "$port" > "$dir/port"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    if ! as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1; then
      log "initdb failed:"; tail -n 20 "$dir/initdb.log" >&2 || true; exit 1
    fi
    # -w waits until it accepts connections; the cap is ours.
    if ! as_postgres timeout "$READY_SECONDS" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t "$READY_SECONDS" \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null 2>&1 </dev/null; then
      log "PostgreSQL did not start; its log:"; tail -n 30 "$dir/pg.log" >&2 || true; exit 1
    fi
    wait_until "$READY_SECONDS" "PostgreSQL on $port" answers "$port" || { tail -n 30 "$dir/pg.log" >&2 || true; exit 1; }
    log "ready on 127.0.0.1:$port (data in $dir, pid $(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || echo '?'))"
  fi
  local url="postgres://postgres@127.0.0.1:$port/postgres"
  append_env "OAUTH2_TEST_POSTGRES_URL=$url"
  if [ -z "${OAUTH2_CI_ENV:-}" ]; then
    log "export OAUTH2_TEST_POSTGRES_URL=$url"
    log "(also in $ENV_FILE; load it with: set -a; . $ENV_FILE; set +a)"
  fi
}

stop() {
  local dir pid="" port
  dir="$(dir)"
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    log "not running"
    rm -f "$DIR_FILE"
    return 0
  fi
  port="$(port_of "$dir")"
  [ -f "$dir/data/postmaster.pid" ] && pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
  if [ -x "$PGBIN/pg_ctl" ] && [ -d "$dir/data" ]; then
    as_postgres timeout 60 "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 </dev/null || true
  fi
  if alive "$pid"; then
    kill -QUIT "$pid" 2>/dev/null || true
    stop_pid "$pid" 15
  fi
  [ -z "$port" ] || wait_until 10 "port $port to close" silent "$port" || exit 1
  rm -rf "$dir" "$DIR_FILE"
  # Its URL names a port nothing listens on any more: a later start by hand appends the new one.
  [ ! -f "$ENV_FILE" ] || sed -i '/^OAUTH2_TEST_POSTGRES_URL=/d' "$ENV_FILE"
  log "stopped"
}

status() {
  local port
  port="$(port_of "$(dir)")"
  [ -n "$port" ] && answers "$port"
}

run_command "start stop status" "$@"
