#!/usr/bin/env bash
# Delivery benchmark of the durable event log, against the real server process, through its admin API
# (/admin/api/sinks). Every figure is a median over rounds; each round measures, one after the other on one server:
#
#   catch-up   the in_memory sink paused, --events events ingested (wrk, POST /events/ingest), the sink resumed:
#              events/s from the resume until its cursor reaches the head
#   replay     the same range replayed to the in_memory sink (POST .../replay with positions): events/s until done
#   raw read   the baseline of the same round: the same range read straight from the database by its own client
#              (sqlite3 or psql, rows to /dev/null), the machine's ceiling for reading those rows
#   other sink token load (wrk, client_credentials) with the console sink delivering live (its filter token_*): its
#              delivery rate while the in_memory sink catches up a backlog of --events ("during"), then over
#              --window seconds once both sinks are live ("normal"), in the same wrk run
#
#   bench/eventlog.sh                          # 3 rounds of 300,000 events on SQLite
#   bench/eventlog.sh --events 500000 --rounds 5 --out /tmp/eventlog.md
#   bench/eventlog.sh --database postgres://user:pw@127.0.0.1:5432/oauth2_bench   # the same on PostgreSQL
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"

EVENTS=300000 ROUNDS=3 WINDOW=8 CONNECTIONS=64 THREADS=2 DATABASE=""
BUILD=1 BUILD_DIR="${TMPDIR:-/tmp}/oauth2-actors-bench-build" KEEP=0 OUT="" CHECK=0 STRICT=0
READY_TIMEOUT=120 WAIT_QUIET=0 EXTRA_ENV=()
# Targets (issue #12): catch-up and replay into the in_memory sink >= 100,000 events/s; another sink's delivery rate
# during a catch-up within 20% of normal.
T_CATCHUP=100000 T_REPLAY=100000 T_OTHER=0.80

usage() {
  sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'
Options:
  --events N          events per catch-up backlog (default 300000)
  --rounds N          rounds; medians are reported (default 3)
  --window SECS       length of the "normal" window of the other-sink measurement (default 8)
  --connections N     wrk connections for the fill and the token load (default 64);  --threads N (default 2)
  --database URL      OAUTH2_DATABASE_URL of the server (a postgres:// URL; the database is emptied first); default SQLite
  --env KEY=VALUE     extra environment for the server (repeatable)
  --no-build          reuse the last build in --build-dir;  --build-dir DIR
  --wait-quiet SECS   before each measurement wait up to SECS for the machine to be < 15% busy
  --out FILE          also write the Markdown report to FILE;  --check  exit 1 when a target is missed
  --keep              keep the work directory (server log, raw wrk output)
EOF
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --events) EVENTS="${2:?}"; shift 2 ;;
    --rounds) ROUNDS="${2:?}"; shift 2 ;;
    --window) WINDOW="${2:?}"; shift 2 ;;
    --connections) CONNECTIONS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --database) DATABASE="${2:?}"; shift 2 ;;
    --env) [[ "${2:-}" == [A-Za-z_]*=* ]] || die "--env needs KEY=VALUE"; EXTRA_ENV+=("$2"); shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --build-dir) BUILD_DIR="${2:?}"; shift 2 ;;
    --wait-quiet) WAIT_QUIET="${2:?}"; shift 2 ;;
    --out) OUT="${2:?}"; shift 2 ;;
    --check) CHECK=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
for n in "$EVENTS" "$ROUNDS" "$WINDOW" "$CONNECTIONS" "$THREADS" "$WAIT_QUIET"; do [[ "$n" =~ ^[0-9]+$ ]] || die "not a number: $n"; done

ensure_tools
if [[ -n "$DATABASE" ]]; then command -v psql >/dev/null || die "psql is required with --database (the raw-read baseline)"
else command -v sqlite3 >/dev/null || die "sqlite3 is required (the raw-read baseline)"; fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oauth2-eventlog-bench.XXXXXX")
RESULTS="$WORK/results.tsv"; : >"$RESULTS"
LOAD_PID=""
cleanup() {
  local rc=$?
  [[ -z "$LOAD_PID" ]] || kill "$LOAD_PID" 2>/dev/null || true
  stop_all
  if [[ $KEEP -eq 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

KEY_FILE="$WORK/signing-key.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEY_FILE" 2>/dev/null || die "openssl genpkey failed"
ISSUER="http://bench.oauth2-actors.local"
ADMIN_SECRET=$(openssl rand -hex 24)

SERVER_DLL=$(build_project "$REPO_DIR/src/OAuth2.Actors.Server" "$BUILD_DIR/worktree" OAuth2.Actors.Server)
SOURCE="working tree at $(git -C "$REPO_DIR" rev-parse --short HEAD)$([[ -z $(git -C "$REPO_DIR" status --porcelain -- src) ]] || echo ' with uncommitted changes in src/')"

SERVER_ENV=(
  OAUTH2_EVENTS_BACKEND=in_memory,console
  OAUTH2_EVENTS_IN_MEMORY_MAX=1000          # the in_memory sink keeps the newest 1,000: memory stays flat
  OAUTH2_EVENTS_SINK_CONSOLE_TYPES='token_*' # the other sink: the token traffic of the load, not the ingested backlog
  OAUTH2_RATE_LIMIT_INGEST_PER_MINUTE=0
)
if [[ -n "$DATABASE" ]]; then
  psql -q "$DATABASE" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null || die "cannot reset $DATABASE"
  SERVER_ENV+=(OAUTH2_DATABASE_URL="$DATABASE")
fi
start_process log server "$SERVER_DLL" "${SERVER_ENV[@]}"
BASE=${P_BASE[log]}

admin_token() {
  curl -s --max-time 10 -u "bench-admin:$ADMIN_SECRET" -d grant_type=client_credentials "$BASE/oauth/token" | jq -r '.access_token // empty'
}
ADMIN=$(admin_token); [[ -n "$ADMIN" ]] || die "no admin token"
api() { curl -s --max-time 30 -H "Authorization: Bearer $ADMIN" "$@"; }
sink() { api "$BASE/admin/api/sinks/$1"; }
sink_post() { # NAME ACTION [JSON]
  local reply code
  reply=$(api -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' ${3:+-d "$3"} "$BASE/admin/api/sinks/$1/$2")
  code=${reply##*$'\n'}
  [[ $code == 2* ]] || die "POST /admin/api/sinks/$1/$2 answered $code: ${reply%$'\n'*}"
}
delivered() { sink "$1" | jq -r '(.counters.delivered // .delivered)'; }
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", (b > a) ? n / (b - a) : 0 }'; }

# wait_caught_up NAME TARGET: polls (20 ms) until the sink's cursor reaches TARGET; prints the time it did.
wait_caught_up() {
  local deadline=$((SECONDS + 600)) cursor
  while (( SECONDS < deadline )); do
    cursor=$(sink "$1" | jq -r '.cursor')
    if [[ "$cursor" =~ ^[0-9]+$ ]] && (( cursor >= $2 )); then now; return 0; fi
    sleep 0.02
  done
  die "sink $1 did not reach position $2 in 600 s (cursor $cursor)"
}

# fill N: ingests N new events (wrk, $CONNECTIONS connections) and prints the head once they are all appended.
fill() {
  local want=$1 head0 head t0 pid run
  head0=$(sink in_memory | jq -r '.head'); t0=$(now); run="fill$(date +%s%N)"   # ids never repeat across fills
  BENCH_BEARER=$ADMIN BENCH_RUN="$run" wrk -t "$THREADS" -c "$CONNECTIONS" -d 900s -s "$BENCH_DIR/ingest.lua" "$BASE/" >"$WORK/$run.txt" 2>&1 &
  pid=$!
  while :; do
    sleep 0.5
    head=$(sink in_memory | jq -r '.head')
    (( head - head0 >= want )) && break
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/$run.txt" >&2; die "the ingest load stopped"; }
  done
  kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  sleep 1   # requests in flight when wrk stopped are appended too
  head=$(sink in_memory | jq -r '.head')
  log "  filled $((head - head0)) events in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s (ingest)"
  echo "$head"
}

# raw_read FROM TO: reads the rows of positions FROM..TO with the database's own client; prints the seconds taken.
raw_read() {
  local t0 t1
  t0=$(now)
  if [[ -n "$DATABASE" ]]; then
    psql -q -At "$DATABASE" -c "SELECT * FROM oauth2_event_log WHERE position BETWEEN $1 AND $2 ORDER BY position" >/dev/null \
      || die "the raw read failed"
  else
    sqlite3 "file:$WORK/log/data/oauth2-events.db?mode=ro" "SELECT * FROM oauth2_event_log WHERE position BETWEEN $1 AND $2 ORDER BY position" >/dev/null \
      || die "the raw read failed"
  fi
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }'
}

record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }   # measure round value

setup_client log
for r in $(seq 1 "$ROUNDS"); do
  log "round $r"
  # ---- catch-up, replay and the raw read of the same range
  sink_post in_memory pause
  from=$(sink in_memory | jq -r '.cursor')
  head=$(fill "$EVENTS")
  wait_quiet
  t0=$(now); sink_post in_memory resume
  t1=$(wait_caught_up in_memory "$head")
  record catchup "$r" "$(rate $((head - from)) "$t0" "$t1")"
  log "  catch-up of $((head - from)): $(tail -1 "$RESULTS" | cut -f3) events/s"

  wait_quiet
  t0=$(now); sink_post in_memory replay "{\"from\": $((from + 1)), \"to\": $head}"
  while :; do
    status=$(sink in_memory)
    [[ $(jq -r '.replay.done // false' <<<"$status") == true ]] && break
    sleep 0.02
  done
  t1=$(now)
  record replay "$r" "$(rate "$(jq -r '.replay.delivered' <<<"$status")" "$t0" "$t1")"
  log "  replay of $(jq -r '.replay.delivered' <<<"$status"): $(tail -1 "$RESULTS" | cut -f3) events/s"

  secs=$(raw_read $((from + 1)) "$head")
  record raw "$r" "$(awk -v n=$((head - from)) -v s="$secs" 'BEGIN { printf "%.0f", n / s }')"
  log "  raw read: $(tail -1 "$RESULTS" | cut -f3) rows/s"

  # ---- the other sink's delivery rate during a catch-up, then normal (both sinks live), under one token load
  sink_post in_memory pause
  from=$(sink in_memory | jq -r '.cursor')
  head=$(fill "$EVENTS")
  BENCH_BASIC_AUTH="${P_AUTH[log]}" wrk -t "$THREADS" -c "$CONNECTIONS" -d 900s -s "$BENCH_DIR/token.lua" "$BASE/" >"$WORK/load-$r.txt" 2>&1 &
  LOAD_PID=$!
  sleep 3
  d1=$(delivered console); t1=$(now)
  sink_post in_memory resume
  t2=$(wait_caught_up in_memory "$head")
  d2=$(delivered console); lag=$(sink console | jq -r '.lag_events')
  sleep 1
  d3=$(delivered console); t3=$(now)
  sleep "$WINDOW"
  d4=$(delivered console); t4=$(now)
  kill -INT "$LOAD_PID" 2>/dev/null || true; wait "$LOAD_PID" 2>/dev/null || true; LOAD_PID=""
  during=$(rate $((d2 - d1)) "$t1" "$t2"); normal=$(rate $((d4 - d3)) "$t3" "$t4")
  record other-normal "$r" "$normal"; record other-during "$r" "$during"
  record other-ratio "$r" "$(awk -v a="$during" -v b="$normal" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')"
  record catchup-loaded "$r" "$(rate $((head - from)) "$t1" "$t2")"
  record other-lag "$r" "$lag"
  log "  console sink: $during events/s during the catch-up ($(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }') s, lag at its end $lag), $normal after it"
  sleep 2
done
stop_all

# ---- report --------------------------------------------------------------------------------------------------
med() { awk -F'\t' -v m="$1" '$1 == m { print $3 }' "$RESULTS" | median_of; }
MISSED=0
check() { # description value op target shown-value shown-target
  if awk -v v="$2" -v t="$4" -v op="$3" 'BEGIN { if (v == "nan") exit 1; exit !((op == ">=" && v >= t) || (op == "<=" && v <= t)) }'
  then echo "| $1 | $5 | $3 $6 | met |"; else MISSED=1; echo "| $1 | $5 | $3 $6 | **missed** |"; fi
}
REPORT="$WORK/report.md"
{
  echo "### Durable event log: delivery"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $SOURCE, $(nproc) CPUs, .NET $(dotnet --version), $([[ -n "$DATABASE" ]] && echo PostgreSQL || echo SQLite)."
  echo "$ROUNDS rounds of $EVENTS events (ingested by wrk -t$THREADS -c$CONNECTIONS); medians over rounds; raw read = the same range read by $([[ -n "$DATABASE" ]] && echo psql || echo sqlite3) in the same round."
  echo
  echo "| measure | events/s (median) | rounds | vs raw read |"
  echo "|---|---:|---|---:|"
  raw=$(med raw)
  for m in raw catchup replay catchup-loaded other-normal other-during other-lag; do
    rounds=$(awk -F'\t' -v m="$m" '$1 == m { printf "%s%s", sep, $3; sep = ", " }' "$RESULTS")
    vs="—"; [[ $m == raw || $m == other-* ]] || vs=$(pct "$(awk -v a="$(med "$m")" -v b="$raw" 'BEGIN { print (b > 0) ? a / b : "nan" }')")
    echo "| $m | $(fmt "$(med "$m")" 0) | $rounds | $vs |"
  done
  echo
  echo "(catchup-loaded: the in_memory catch-up while the token load runs; other-*: the console sink's delivered events/s under the token load, during that catch-up and after it with both sinks live; other-lag: the console sink's lag in events when the catch-up ended, so a slower rate with no lag is less traffic, not a slower sink.)"
  echo
  echo "| target | measured | wanted | |"
  echo "|---|---:|---:|---|"
  v=$(med catchup); check "catch-up into in_memory, events/s" "$v" ">=" "$T_CATCHUP" "$(fmt "$v" 0)" "$T_CATCHUP"
  v=$(med replay); check "replay into in_memory, events/s" "$v" ">=" "$T_REPLAY" "$(fmt "$v" 0)" "$T_REPLAY"
  v=$(med other-ratio); check "other sink during a catch-up vs normal" "$v" ">=" "$T_OTHER" "$(pct "$v")" "$(pct $T_OTHER)"
} >"$REPORT"
echo; cat "$REPORT"
[[ -z "$OUT" ]] || cp "$REPORT" "$OUT"
[[ $CHECK -eq 0 || $MISSED -eq 0 ]] || exit 1
