# Sourced by every .ci/services/*.sh script (kept out of that glob: .ci/run starts each *.sh there): the steps they
# share. A script sets SERVICE (its name in log lines) before sourcing this file, then uses:
#   WORK, ENV_FILE        the CI work directory and the env file the tests read (.ci/run sets OAUTH2_CI_WORK and
#                         OAUTH2_CI_ENV; run by hand, both default under /tmp)
#   log MESSAGE           a line on stderr, prefixed with the service
#   apt_install PKG...    Debian packages, one `apt-get update` per CI run shared by the scripts, a stale list refreshed once
#   alive PID             running and not a zombie (an exited child not reaped yet counts as gone)
#   port_open PORT        something accepts connections on 127.0.0.1:PORT
#   wait_until SECONDS WHAT COMMAND...   polls COMMAND every 0.1 s; false (after a log line) when the time is up
#   stop_pid PID SECONDS  waits for PID to exit, SIGKILL after SECONDS; returns once it is gone
#   append_env LINE...    each KEY=VALUE line added to $ENV_FILE once
#   run_command ACTIONS "$@"   dispatches the script's first argument to the function of that name, or prints usage
set -euo pipefail

WORK="${OAUTH2_CI_WORK:-${TMPDIR:-/tmp}/oauth2-actors-ci}"
ENV_FILE="${OAUTH2_CI_ENV:-$WORK/env}"

log() { echo "[${SERVICE}.sh] $*" >&2; }

apt_install() {
  log "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -f "$WORK/.apt-updated" ]; then
    apt-get update -qq && mkdir -p "$WORK" && touch "$WORK/.apt-updated"
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_until() {
  local seconds="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then
      log "$what: not within ${seconds} s"
      return 1
    fi
    sleep 0.1
  done
}

stop_pid() {
  local pid="$1" seconds="$2"
  alive "$pid" || return 0
  if ! wait_until "$seconds" "pid $pid to exit" gone "$pid"; then
    log "SIGKILL to pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 5 "pid $pid to exit after SIGKILL" gone "$pid" || true
  fi
}

gone() { ! alive "$1"; }

append_env() {
  if [ "$ENV_FILE" != /dev/null ]; then
    mkdir -p "$(dirname "$ENV_FILE")" && touch "$ENV_FILE"
  fi
  local line
  for line in "$@"; do
    if [ "$ENV_FILE" = /dev/null ] || ! grep -qxF "$line" "$ENV_FILE"; then
      echo "$line" >> "$ENV_FILE"
    fi
  done
}

run_command() {
  local actions="$1" action="${2:-}"
  if [ -n "$action" ] && [[ " $actions " == *" $action "* ]]; then
    "${action//-/_}"
  else
    echo "usage: $0 ${actions// /|}" >&2
    exit 2
  fi
}
