#!/usr/bin/env bash
# Load benchmark for the OAuth2.Actors server: builds it in Release, starts it on loopback with a fresh data
# directory, registers a confidential client and drives POST /oauth/token (client_credentials, client_secret_basic)
# and POST /oauth/introspect with wrk. Prints a Markdown table of the results.
#
#   bench/load.sh                                   # token + introspect: 60 s warm-up, one 20 s measured run each
#   bench/load.sh --repeat 3 --duration 30          # three measured runs per scenario, medians reported
#   bench/load.sh --env Logging__LogLevel__Default=Warning --env OAUTH2_TOKEN_ACTORS=4
#   bench/load.sh --compare "OAUTH2_EVENTS_ENABLED=false" "OAUTH2_EVENTS_ENABLED=true"
#                                                   # token scenario on two servers side by side, measured runs
#                                                   # alternating A,B,A,B,A,B; medians of each and the difference
#   bench/load.sh --rev HEAD --scenarios health,jwks,token,introspect --repeat 3 --wait-quiet 300
#                                                   # committed code only, with the HTTP/actor baselines, on a shared box
#
# Run bench/load.sh --help for every option. Variables already in the environment (OAUTH2_*, Logging__*, DOTNET_*)
# reach the server too, except the ones this script sets itself (port, data dir, issuer, bootstrap admin).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
PROJECT="$REPO_DIR/src/OAuth2.Actors.Server"

# ---- defaults ------------------------------------------------------------------------------------------------
DURATION=20
WARMUP=60
CONNECTIONS=64
THREADS=2
REPEAT=""
SCENARIOS=""
PORT=""
BUILD=1
BUILD_DIR="${TMPDIR:-/tmp}/oauth2-actors-bench-build"
SERVER_DLL=""
REV=""
KEEP=0
OUT=""
CHECK=0
STRICT=0
READY_TIMEOUT=120
WAIT_QUIET=0
EXTRA_ENV=()
COMPARE=0
COMPARE_A=""
COMPARE_B=""

# Targets (64 connections, 2-core box shared with the load generator).
TARGET_TOKEN_RPS=5000
TARGET_INTROSPECT_RPS=10000
TARGET_P99_MS=50

usage() {
  cat <<'EOF'
Usage: bench/load.sh [options]
       bench/load.sh [options] --compare "ENV_A" "ENV_B"

Options:
  --duration SECS        measured run length per run (default 20)
  --warmup SECS          warm-up run before the measured runs of each scenario on each server, results discarded
                         (default 60; 0 = none). 5 s is far too short: tiered JIT (tier 0, instrumented, tier 1) keeps
                         recompiling the hot path for 30-90 s after start on 2 cores (the token path costs 600+ us of
                         server CPU per request while it does, 215 us after), so a short warm-up measures the JIT
  --connections N        wrk connections (default 64)
  --threads N            wrk threads (default 2)
  --repeat N             measured runs per scenario; medians are reported (default 1, or 3 with --compare)
  --scenarios LIST       comma-separated: token,introspect (default both; token only with --compare); also the
                         diagnostic baselines health (GET /health: HTTP layer only) and jwks (HTTP + one actor Ask)
  --env KEY=VALUE        extra environment for the server (repeatable; with --compare, applied to A and B)
  --compare A B          run the scenarios on two server configurations started side by side (fresh data dirs),
                         each warmed up, then measured runs alternating A,B,A,B,...; reports the median of each and
                         B vs A. A and B are space-separated KEY=VALUE lists ("" for none)
  --port N               server port (default: a free loopback port; with --compare, B gets N+1)
  --no-build             do not build; use the last build in --build-dir (or --server-dll)
  --build-dir DIR        where Release builds go (dotnet --artifacts-path, one subdirectory per source; default
                         $TMPDIR/oauth2-actors-bench-build, outside src/ so the bin/obj of the working tree are never touched)
  --server-dll PATH      run this OAuth2.Actors.Server.dll instead of building
  --rev REV              build a committed revision (git archive REV, read-only) instead of the working tree,
                         e.g. to measure HEAD while src/ is being edited
  --strict               count non-2xx exactly and check every response body (wrk Lua response(); costs client CPU)
  --out FILE             also write the Markdown report to FILE
  --check                exit 1 when a target is missed (token >= 5000/s, introspect >= 10000/s, p99 < 50 ms, 0 errors)
  --wait-quiet SECS      before each warm-up and measured run, wait up to SECS for the machine to be idle (< 15% busy over 3 s),
                         for shared machines where builds and tests come and go (default 0: do not wait)
  --keep                 keep the temporary directory (server logs, data dir, raw wrk output)
  -h, --help             this text
EOF
}

die() { echo "load.sh: $*" >&2; exit 2; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---- arguments -----------------------------------------------------------------------------------------------
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --connections) CONNECTIONS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --repeat) REPEAT="${2:?}"; shift 2 ;;
    --scenarios) SCENARIOS="${2:?}"; shift 2 ;;
    --env) [[ "${2:-}" == *=* ]] || die "--env needs KEY=VALUE"; EXTRA_ENV+=("$2"); shift 2 ;;
    --compare) [[ $# -ge 3 ]] || die "--compare needs two arguments (use \"\" for an empty one)"
               COMPARE=1; COMPARE_A="$2"; COMPARE_B="$3"; shift 3 ;;
    --port) PORT="${2:?}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --build-dir) BUILD_DIR="${2:?}"; shift 2 ;;
    --server-dll) SERVER_DLL="${2:?}"; BUILD=0; shift 2 ;;
    --rev) REV="${2:?}"; shift 2 ;;
    --strict) STRICT=1; shift ;;
    --out) OUT="${2:?}"; shift 2 ;;
    --check) CHECK=1; shift ;;
    --wait-quiet) WAIT_QUIET="${2:?}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

for n in "$WAIT_QUIET" "$DURATION" "$WARMUP" "$CONNECTIONS" "$THREADS" ${REPEAT:+"$REPEAT"} ${PORT:+"$PORT"}; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "not a number: $n"
done
[[ -n "$REPEAT" ]] || REPEAT=$(( COMPARE ? 3 : 1 ))
[[ "$REPEAT" -ge 1 ]] || die "--repeat must be at least 1"
[[ -n "$SCENARIOS" ]] || SCENARIOS=$([[ $COMPARE -eq 1 ]] && echo token || echo token,introspect)
IFS=',' read -ra SCENARIO_LIST <<<"$SCENARIOS"
for s in "${SCENARIO_LIST[@]}"; do
  [[ "$s" =~ ^(token|introspect|health|jwks)$ ]] || die "unknown scenario: $s (token, introspect, health, jwks)"
done

split_env() { # "K=V K2=V2" -> validated words on stdout, one per line
  local words=() w
  read -ra words <<<"$1" || true
  for w in ${words[@]+"${words[@]}"}; do
    [[ "$w" == [A-Za-z_]*=* ]] || die "not a KEY=VALUE assignment: '$w'"
    printf '%s\n' "$w"
  done
}
if [[ $COMPARE -eq 1 ]]; then split_env "$COMPARE_A" >/dev/null; split_env "$COMPARE_B" >/dev/null; fi

# ---- tools ---------------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  log "wrk not found; installing the Debian package"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get install -y wrk >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null; } \
    || die "could not install wrk (apt-get install -y wrk)"
fi
command -v curl >/dev/null || die "curl is required"
command -v dotnet >/dev/null || die "dotnet is required"
if command -v jq >/dev/null 2>&1; then
  json_get() { jq -r --arg k "$1" '.[$k] // empty'; }
elif command -v python3 >/dev/null 2>&1; then
  json_get() { python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else (str(v).lower() if isinstance(v,bool) else v))' "$1"; }
else
  die "jq or python3 is required to read JSON"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/oauth2-bench.XXXXXX")
RESULTS="$WORK/results.tsv"   # label scenario run rps p50 p99 non2xx socket server_cpu% server_us/req log_lines/req wrk_cpu% other_cpu%
: >"$RESULTS"
# Per server label (default, or A and B): pid, base URL, log, client credentials and token.
declare -A S_PID=() S_BASE=() S_LOG=() S_AUTH=() S_TOKEN=()

stop_server() { # LABEL
  local pid=${S_PID[$1]:-}
  [[ -n "$pid" ]] || return 0
  S_PID[$1]=""
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "server $pid did not stop in 20 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

stop_all_servers() {
  local l
  for l in "${!S_PID[@]}"; do stop_server "$l"; done
}

cleanup() {
  local rc=$?
  stop_all_servers
  if [[ $KEEP -eq 1 ]]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build ---------------------------------------------------------------------------------------------------
# The build goes to its own artifacts path outside src/, so it never touches the bin/obj of a tree being edited.
SOURCE_DESC=""
if [[ -z "$SERVER_DLL" ]]; then
  if [[ -n "$REV" ]]; then
    SHA=$(git -C "$REPO_DIR" rev-parse --verify --short "$REV^{commit}" 2>/dev/null) || die "unknown revision: $REV"
    OUTPUT="$BUILD_DIR/rev-$SHA"
    SOURCE_DESC="revision $REV ($SHA)"
    if [[ $BUILD -eq 1 ]]; then
      mkdir -p "$WORK/source"
      git -C "$REPO_DIR" archive --format=tar "$SHA" | tar -x -C "$WORK/source"
      PROJECT="$WORK/source/src/OAuth2.Actors.Server"
    fi
  else
    OUTPUT="$BUILD_DIR/worktree"
    commit=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
    dirty=$(git -C "$REPO_DIR" status --porcelain -- src 2>/dev/null | head -1 || true)
    SOURCE_DESC="working tree at $commit${dirty:+ with uncommitted changes in src/}"
  fi
  if [[ $BUILD -eq 1 ]]; then
    log "building $PROJECT (Release) into $OUTPUT"
    dotnet build -c Release "$PROJECT" --artifacts-path "$OUTPUT" -nologo -v quiet -clp:ErrorsOnly >"$WORK/build.log" 2>&1 \
      || { cat "$WORK/build.log" >&2; die "build failed (--no-build runs the last successful build in $OUTPUT)"; }
  else
    SOURCE_DESC="last build of the $SOURCE_DESC (--no-build)"
  fi
  SERVER_DLL=$(find "$OUTPUT/bin/OAuth2.Actors.Server" -maxdepth 2 -name OAuth2.Actors.Server.dll -path '*release*' 2>/dev/null | head -1 || true)
  [[ -n "$SERVER_DLL" ]] || die "no Release build under $OUTPUT (drop --no-build)"
else
  SOURCE_DESC="$SERVER_DLL"
fi
[[ -f "$SERVER_DLL" ]] || die "server not found: $SERVER_DLL"

# ---- server --------------------------------------------------------------------------------------------------
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
  else
    echo $(( 20000 + RANDOM % 20000 ))
  fi
}

ADMIN_SECRET=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 40 || true)
SERVER_SEQ=0

# start_server LABEL [KEY=VALUE...]: a fresh server with a fresh data dir, waited for until /ready answers 200.
start_server() {
  local label=$1; shift
  SERVER_SEQ=$((SERVER_SEQ + 1))
  local dir="$WORK/server-$label"
  mkdir -p "$dir/data"
  local port
  if [[ -n "$PORT" ]]; then port=$((PORT + SERVER_SEQ - 1)); else port=$(free_port); fi
  local base="http://127.0.0.1:$port"
  S_BASE[$label]=$base
  S_LOG[$label]="$dir/server.log"
  log "starting server $label on $base${*:+ with $*}"
  (
    # The content root is the working directory: start where appsettings.json is, as `dotnet run` and a container's
    # WORKDIR do, so the shipped logging levels apply.
    cd "$(dirname "$SERVER_DLL")"
    exec env ${EXTRA_ENV[@]+"${EXTRA_ENV[@]}"} "$@" \
      OAUTH2_SERVER_HOST=127.0.0.1 \
      OAUTH2_SERVER_PORT="$port" \
      OAUTH2_DATA_DIR="$dir/data" \
      OAUTH2_ISSUER="$base" \
      OAUTH2_BOOTSTRAP_ADMIN_CLIENT_ID=bench-admin \
      OAUTH2_BOOTSTRAP_ADMIN_CLIENT_SECRET="$ADMIN_SECRET" \
      dotnet "$SERVER_DLL"
  ) >"${S_LOG[$label]}" 2>&1 &
  S_PID[$label]=$!
  local deadline=$((SECONDS + READY_TIMEOUT)) code=""
  while (( SECONDS < deadline )); do
    if ! kill -0 "${S_PID[$label]}" 2>/dev/null; then
      tail -n 40 "${S_LOG[$label]}" >&2; S_PID[$label]=""; die "server $label exited during start-up"
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$base/ready" || true)
    [[ "$code" == 200 ]] && { setup_client "$label"; return 0; }
    sleep 0.5
  done
  tail -n 40 "${S_LOG[$label]}" >&2
  die "server $label not ready after ${READY_TIMEOUT}s (last /ready: $code)"
}

# setup_client LABEL: registers a confidential client and gets one token (S_AUTH, S_TOKEN).
setup_client() {
  local label=$1 admin_token="" reply i
  local BASE=${S_BASE[$label]} BASIC_AUTH ACCESS_TOKEN
  # The bootstrap admin is stored asynchronously; an admin bearer makes registration work even when it is closed.
  for i in $(seq 1 40); do
    reply=$(curl -s --max-time 5 -u "bench-admin:$ADMIN_SECRET" -d grant_type=client_credentials "$BASE/oauth/token" || true)
    admin_token=$(printf '%s' "$reply" | json_get access_token 2>/dev/null || true)
    [[ -n "$admin_token" ]] && break
    sleep 0.25
  done
  [[ -n "$admin_token" ]] || log "no admin token (${reply:-no reply}); registering without one"

  local auth=()
  [[ -z "$admin_token" ]] || auth=(-H "Authorization: Bearer $admin_token")
  reply=$(curl -s --max-time 10 -X POST ${auth[@]+"${auth[@]}"} -H 'Content-Type: application/json' \
    -d '{"client_name":"bench","scope":"read write"}' "$BASE/clients/register")
  local id secret
  id=$(printf '%s' "$reply" | json_get client_id)
  secret=$(printf '%s' "$reply" | json_get client_secret)
  [[ -n "$id" && -n "$secret" ]] || die "registration failed: $reply"

  # RFC 6749 2.3.1: id and secret are form-urlencoded before the Basic encoding; ours are base64url, so unchanged.
  BASIC_AUTH="Basic $(printf '%s:%s' "$id" "$secret" | base64 | tr -d '\n')"
  reply=$(curl -s --max-time 10 -H "Authorization: $BASIC_AUTH" -d grant_type=client_credentials "$BASE/oauth/token")
  ACCESS_TOKEN=$(printf '%s' "$reply" | json_get access_token)
  [[ -n "$ACCESS_TOKEN" ]] || die "token request failed: $reply"
  reply=$(curl -s --max-time 10 -H "Authorization: $BASIC_AUTH" --data-urlencode "token=$ACCESS_TOKEN" "$BASE/oauth/introspect")
  [[ "$(printf '%s' "$reply" | json_get active)" == true ]] || die "introspection of a fresh token is not active: $reply"
  S_AUTH[$label]=$BASIC_AUTH
  S_TOKEN[$label]=$ACCESS_TOKEN
}

proc_cpu_ticks() { # LABEL
  local stat
  stat=$(cat "/proc/${S_PID[$1]}/stat" 2>/dev/null) \
    || { tail -n 20 "${S_LOG[$1]}" >&2; die "server $1 (pid ${S_PID[$1]}) is gone; see its log above (a SIGTERM from elsewhere shows as 'CLR termination hook')"; }
  printf '%s\n' "${stat#*) }" | awk '{print $12 + $13}'
}
machine_busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }  # all but idle and iowait; steal counts
CLK_TCK=$(getconf CLK_TCK)

# wait_quiet: up to WAIT_QUIET seconds until a 3 s window where the machine (our idle server included) is < 15% busy.
wait_quiet() {
  [[ "$WAIT_QUIET" -gt 0 ]] || return 0
  local deadline=$((SECONDS + WAIT_QUIET)) a b pct waited=0
  while :; do
    a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat); sleep 3
    b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
    pct=$(awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); print (y[2] > x[2]) ? int(100 * (y[1] - x[1]) / (y[2] - x[2])) : 0 }')
    (( pct < 15 )) && { (( waited == 0 )) || log "  machine quiet (${pct}% busy)"; return 0; }
    (( SECONDS < deadline )) || { log "  machine still ${pct}% busy after ${WAIT_QUIET}s; running anyway"; return 0; }
    (( waited == 1 )) || log "  machine ${pct}% busy; waiting up to ${WAIT_QUIET}s for it to settle"
    waited=1
  done
}

# run_wrk LABEL SCENARIO RUN SECONDS: one wrk run; RUN=warmup is not recorded.
# Besides wrk's figures it records CPU in % of one core: the server's, wrk's, and everything else on the machine
# (other builds, tests, hypervisor steal; in --compare mode also the other, idle server), so a run disturbed by a
# neighbour shows up in the report.
run_wrk() {
  local label=$1 scenario=$2 run=$3 secs=$4
  local raw="$WORK/wrk-$label-$scenario-$run.txt" timing="$WORK/wrk-$label-$scenario-$run.time"
  local expect
  case "$scenario" in
    token) expect='"access_token"' ;;
    introspect) expect='"active":true' ;;
    health) expect='healthy' ;;
    jwks) expect='"keys"' ;;
  esac
  local cpu0 cpu1 m0 m1 lines0 lines1 t0 t1 rc=0
  [[ "$run" == warmup ]] || wait_quiet
  cpu0=$(proc_cpu_ticks "$label"); m0=$(machine_busy_ticks)
  lines0=$(wc -l <"${S_LOG[$label]}"); t0=$(date +%s.%N)
  {
    TIMEFORMAT='%U %S'
    time BENCH_BASIC_AUTH="${S_AUTH[$label]}" BENCH_ACCESS_TOKEN="${S_TOKEN[$label]}" BENCH_STRICT="$STRICT" BENCH_EXPECT="$expect" \
      wrk -t "$THREADS" -c "$CONNECTIONS" -d "${secs}s" -s "$BENCH_DIR/$scenario.lua" "${S_BASE[$label]}/" >"$raw" 2>&1
  } 2>"$timing" || rc=$?
  t1=$(date +%s.%N); lines1=$(wc -l <"${S_LOG[$label]}")
  cpu1=$(proc_cpu_ticks "$label"); m1=$(machine_busy_ticks)
  [[ $rc -eq 0 ]] || { cat "$raw" >&2; die "wrk failed ($rc)"; }

  local line
  line=$(grep '^BENCH_RESULT ' "$raw" | tail -1) || { cat "$raw" >&2; die "no result from wrk"; }
  local rps p50 p99 requests non2xx unexpected socket
  rps=$(kv rps "$line"); p50=$(kv p50_ms "$line"); p99=$(kv p99_ms "$line"); requests=$(kv requests "$line")
  non2xx=$(kv non2xx "$line"); unexpected=$(kv unexpected_body "$line"); socket=$(kv socket_errors "$line")
  local socket_detail=""
  [[ "$socket" == 0 ]] || socket_detail=" (connect $(kv connect "$line"), read $(kv read "$line"), write $(kv write "$line"), timeout $(kv timeout "$line"))"
  local stats
  stats=$(awk -v c0="$cpu0" -v c1="$cpu1" -v hz="$CLK_TCK" -v t0="$t0" -v t1="$t1" -v n="$requests" \
              -v l0="$lines0" -v l1="$lines1" -v m0="$m0" -v m1="$m1" -v w="$(tail -1 "$timing")" 'BEGIN {
      wall = t1 - t0; server = (c1 - c0) / hz; machine = (m1 - m0) / hz
      split(w, wt, " "); wrk = wt[1] + wt[2]
      other = machine - server - wrk; if (other < 0) other = 0
      printf "%.0f %.1f %.2f %.0f %.0f", 100 * server / wall, (n > 0 ? 1e6 * server / n : 0), (n > 0 ? (l1 - l0) / n : 0),
        100 * wrk / wall, 100 * other / wall
    }')
  local cpu_pct cpu_us log_per_req wrk_pct other_pct
  read -r cpu_pct cpu_us log_per_req wrk_pct other_pct <<<"$stats"
  log "  $label $scenario run $run: $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $non2xx, bad bodies $unexpected, socket errors $socket$socket_detail;" \
      "CPU (% of a core): server $cpu_pct (${cpu_us} us/req), wrk $wrk_pct, other $other_pct; server log lines/req $log_per_req"
  if [[ "$run" != warmup ]]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$scenario" "$run" "$rps" "$p50" "$p99" \
      "$((non2xx + unexpected))" "$socket" "$cpu_pct" "$cpu_us" "$log_per_req" "$wrk_pct" "$other_pct" >>"$RESULTS"
  fi
}
kv() { printf '%s\n' "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }

# warm_up LABEL SCENARIO: one unrecorded run of WARMUP seconds.
warm_up() {
  [[ "$WARMUP" -gt 0 ]] || return 0
  wait_quiet
  run_wrk "$1" "$2" warmup "$WARMUP"
}

# ---- runs ----------------------------------------------------------------------------------------------------
if [[ $COMPARE -eq 1 ]]; then
  # Both servers run side by side for the whole comparison (the idle one costs a few % of a core), each is warmed
  # up once per scenario, then the measured runs alternate A,B,A,B,... so slow drifts of the machine hit both alike.
  mapfile -t ENV_A < <(split_env "$COMPARE_A")
  mapfile -t ENV_B < <(split_env "$COMPARE_B")
  start_server A ${ENV_A[@]+"${ENV_A[@]}"}
  start_server B ${ENV_B[@]+"${ENV_B[@]}"}
  for s in "${SCENARIO_LIST[@]}"; do
    warm_up A "$s"
    warm_up B "$s"
    for i in $(seq 1 "$REPEAT"); do
      run_wrk A "$s" "$i" "$DURATION"
      run_wrk B "$s" "$i" "$DURATION"
    done
  done
else
  start_server default
  for s in "${SCENARIO_LIST[@]}"; do
    warm_up default "$s"
    for i in $(seq 1 "$REPEAT"); do run_wrk default "$s" "$i" "$DURATION"; done
  done
fi
stop_all_servers

# ---- report --------------------------------------------------------------------------------------------------
# median LABEL SCENARIO COLUMN (1-based column of results.tsv)
median() {
  awk -F'\t' -v l="$1" -v s="$2" -v c="$3" '$1 == l && $2 == s { print $c }' "$RESULTS" | sort -g \
    | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
max_of() { awk -F'\t' -v l="$1" -v s="$2" -v c="$3" '$1 == l && $2 == s && $c > m { m = $c } END { print m + 0 }' "$RESULTS"; }
total() { awk -F'\t' -v l="$1" -v s="$2" -v c="$3" '$1 == l && $2 == s { t += $c } END { print t + 0 }' "$RESULTS"; }
runs_of() { awk -F'\t' -v l="$1" -v s="$2" '$1 == l && $2 == s { n++ } END { print n + 0 }' "$RESULTS"; }
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f", d, v }'; }

MISSED=0
VERDICT=""
verdict() { # scenario rps p99 errors
  local target
  case "$1" in
    token) target=$TARGET_TOKEN_RPS ;;
    introspect) target=$TARGET_INTROSPECT_RPS ;;
    *) VERDICT="(diagnostic)"; return 0 ;;
  esac
  if awk -v r="$2" -v p="$3" -v e="$4" -v t="$target" -v pt="$TARGET_P99_MS" 'BEGIN { exit !(r >= t && p < pt && e == 0) }'; then
    VERDICT="met (>= $target/s)"
  else
    MISSED=1; VERDICT="**missed** (>= $target/s, p99 < ${TARGET_P99_MS} ms, 0 errors)"
  fi
}

describe_env() {
  local all=(${EXTRA_ENV[@]+"${EXTRA_ENV[@]}"} "$@")
  [[ ${#all[@]} -gt 0 ]] && printf '`%s`' "${all[*]}" || printf '(defaults)'
}

row() { # label scenario env-description
  local l=$1 s=$2
  local rps p50 p99 errs sock cpu cpuus logs wrkcpu other
  rps=$(median "$l" "$s" 4); p50=$(median "$l" "$s" 5); p99=$(median "$l" "$s" 6)
  errs=$(total "$l" "$s" 7); sock=$(total "$l" "$s" 8); cpu=$(median "$l" "$s" 9); cpuus=$(median "$l" "$s" 10)
  logs=$(median "$l" "$s" 11); wrkcpu=$(median "$l" "$s" 12); other=$(max_of "$l" "$s" 13)
  verdict "$s" "$rps" "$p99" "$((errs + sock))"
  printf '| %s | %s | %s | %s | %s | %s | %s / %s | %s%% (%s us/req) | %s%% / %s%% | %s | %s |\n' \
    "$s" "$3" "$(runs_of "$l" "$s")" "$(fmt "$rps" 0)" "$(fmt "$p50" 2)" "$(fmt "$p99" 2)" "$errs" "$sock" \
    "$(fmt "$cpu" 0)" "$(fmt "$cpuus" 0)" "$(fmt "$wrkcpu" 0)" "$(fmt "$other" 0)" "$(fmt "$logs" 1)" "$VERDICT"
}

REPORT="$WORK/report.md"
{
  echo "### OAuth2.Actors load benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $SOURCE_DESC, $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), .NET $(dotnet --version), $(wrk -v 2>&1 | awk 'NR == 1 { print $1, $2 }')."
  echo "wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up per scenario and server, ${DURATION}s measured x $REPEAT; load generator on the same machine; medians over runs, errors summed."
  echo "CPU in % of one core ($(nproc) cores = $(( $(nproc) * 100 ))%): server median; wrk median / other processes and steal, worst run (high = disturbed run)."
  echo
  echo "| scenario | server env | runs | req/s | p50 ms | p99 ms | errors (non-2xx / socket) | server CPU | wrk / other CPU | log lines/req | target |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  if [[ $COMPARE -eq 1 ]]; then
    for s in "${SCENARIO_LIST[@]}"; do
      row A "$s" "A: $(describe_env ${ENV_A[@]+"${ENV_A[@]}"})"
      row B "$s" "B: $(describe_env ${ENV_B[@]+"${ENV_B[@]}"})"
    done
    echo
    echo "| scenario | metric | A | B | B vs A |"
    echo "|---|---|---:|---:|---:|"
    for s in "${SCENARIO_LIST[@]}"; do
      for m in "req/s:4:0" "p50 ms:5:2" "p99 ms:6:2" "server CPU us/req:10:0"; do
        IFS=: read -r name col dec <<<"$m"
        a=$(median A "$s" "$col"); b=$(median B "$s" "$col")
        printf '| %s | %s | %s | %s | %s |\n' "$s" "$name" "$(fmt "$a" "$dec")" "$(fmt "$b" "$dec")" \
          "$(awk -v a="$a" -v b="$b" 'BEGIN { if (a == 0) print "n/a"; else printf "%+.1f%%", 100 * (b - a) / a }')"
      done
    done
    echo
    echo "A and B ran side by side (fresh data dirs), measured runs alternating A,B,A,B,... Per-run req/s:"
    for s in "${SCENARIO_LIST[@]}"; do
      for l in A B; do
        echo "- $s $l: $(awk -F'\t' -v l="$l" -v s="$s" '$1 == l && $2 == s { printf "%s%.0f", sep, $4; sep = ", " }' "$RESULTS")"
      done
    done
  else
    for s in "${SCENARIO_LIST[@]}"; do row default "$s" "$(describe_env)"; done
    if [[ $REPEAT -gt 1 ]]; then
      echo
      for s in "${SCENARIO_LIST[@]}"; do
        echo "- $s req/s per run: $(awk -F'\t' -v s="$s" '$2 == s { printf "%s%.0f", sep, $4; sep = ", " }' "$RESULTS")"
      done
    fi
  fi
} >"$REPORT"

echo
cat "$REPORT"
[[ -z "$OUT" ]] || cp "$REPORT" "$OUT"
[[ $CHECK -eq 0 || $MISSED -eq 0 ]] || exit 1
exit 0
