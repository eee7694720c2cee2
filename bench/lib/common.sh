# Shared steps of bench/load.sh: tools, builds, processes (OAuth2 servers and the bare baseline), one wrk run with
# CPU accounting, and the statistics of the results file. Sourced, not run; expects BENCH_DIR, REPO_DIR, WORK, and the
# option variables of load.sh.

die() { echo "load.sh: $*" >&2; exit 2; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
kv() { printf '%s\n' "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f", d, v }'; }

ensure_tools() {
  if ! command -v wrk >/dev/null 2>&1; then
    log "wrk not found; installing the Debian package"
    local sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get install -y wrk >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y wrk >/dev/null; } \
      || die "could not install wrk (apt-get install -y wrk)"
  fi
  local t
  for t in curl dotnet jq openssl; do command -v "$t" >/dev/null || die "$t is required"; done
}

# build_project PROJECT_DIR OUTPUT NAME: Release build into its own artifacts path (never the bin/obj of the tree);
# prints the path of NAME.dll.
build_project() {
  local project=$1 output=$2 name=$3 dll
  if [[ $BUILD -eq 1 ]]; then
    log "building $name (Release) into $output"
    dotnet build -c Release "$project" --artifacts-path "$output" -nologo -v quiet -clp:ErrorsOnly >"$WORK/build-$name.log" 2>&1 \
      || { cat "$WORK/build-$name.log" >&2; die "build of $name failed"; }
  fi
  dll=$(find "$output/bin/$name" -maxdepth 2 -name "$name.dll" -path '*release*' 2>/dev/null | head -1 || true)
  [[ -n "$dll" ]] || die "no Release build of $name under $output (drop --no-build)"
  printf '%s\n' "$dll"
}

# build_rev REV: the server as committed at REV (git archive, read-only); prints its dll.
build_rev() {
  local sha
  sha=$(git -C "$REPO_DIR" rev-parse --verify --short "$1^{commit}" 2>/dev/null) || die "unknown revision: $1"
  if [[ $BUILD -eq 1 && ! -d "$WORK/source-$sha" ]]; then
    mkdir -p "$WORK/source-$sha"
    git -C "$REPO_DIR" archive --format=tar "$sha" | tar -x -C "$WORK/source-$sha"
  fi
  build_project "$WORK/source-$sha/src/OAuth2.Actors.Server" "$BUILD_DIR/rev-$sha" OAuth2.Actors.Server
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

declare -A P_PID=() P_BASE=() P_LOG=() P_KIND=()

# start_process LABEL KIND DLL [KEY=VALUE...]: KIND server (an OAuth2 server, fresh data dir, shared key and issuer)
# or bare (the baseline). Returns once it answers on /health (bare) or /ready (server); then a server gets the
# bench client (setup_client).
start_process() {
  local label=$1 kind=$2 dll=$3; shift 3
  local dir="$WORK/$label" port base
  rm -rf "$dir"; mkdir -p "$dir/data"
  port=$(free_port); base="http://127.0.0.1:$port"
  P_BASE[$label]=$base; P_LOG[$label]="$dir/out.log"; P_KIND[$label]=$kind
  log "starting $label ($kind) on $base${*:+ with $*}"
  (
    cd "$(dirname "$dll")"   # the content root: the shipped appsettings.json applies, as with dotnet run
    if [[ $kind == bare ]]; then
      exec env "$@" BASELINE_PORT="$port" BASELINE_ISSUER="$ISSUER" BASELINE_KEY_FILE="$KEY_FILE" dotnet "$dll"
    fi
    exec env ${EXTRA_ENV[@]+"${EXTRA_ENV[@]}"} "$@" OAUTH2_SERVER_HOST=127.0.0.1 OAUTH2_SERVER_PORT="$port" \
      OAUTH2_DATA_DIR="$dir/data" OAUTH2_ISSUER="$ISSUER" OAUTH2_SIGNING_KEY_FILE="$KEY_FILE" \
      OAUTH2_BOOTSTRAP_ADMIN_CLIENT_ID=bench-admin OAUTH2_BOOTSTRAP_ADMIN_CLIENT_SECRET="$ADMIN_SECRET" \
      OAUTH2_REGISTRATION_OPEN=true OAUTH2_REGISTRATION_ALLOWED_SCOPES="read write" dotnet "$dll"
  ) >"${P_LOG[$label]}" 2>&1 &
  P_PID[$label]=$!
  local probe=/ready; [[ $kind == bare ]] && probe=/health
  local deadline=$((SECONDS + READY_TIMEOUT)) code=""
  while (( SECONDS < deadline )); do
    kill -0 "${P_PID[$label]}" 2>/dev/null || { tail -n 40 "${P_LOG[$label]}" >&2; P_PID[$label]=""; die "$label exited during start-up"; }
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$base$probe" || true)
    if [[ "$code" == 200 ]]; then
      P_STARTED[$label]=$(date +%s.%N)
      [[ $kind == bare ]] || setup_client "$label"
      return 0
    fi
    sleep 0.2
  done
  tail -n 40 "${P_LOG[$label]}" >&2
  die "$label not ready after ${READY_TIMEOUT}s (last $probe: $code)"
}
declare -A P_STARTED=()

stop_process() { # LABEL
  local pid=${P_PID[$1]:-}
  [[ -n "$pid" ]] || return 0
  P_PID[$1]=""
  kill -CONT "$pid" 2>/dev/null || true   # isolate may have stopped it
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && { log "$1 ($pid) did not stop in 20 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
}
stop_all() { local l; for l in "${!P_PID[@]}"; do stop_process "$l"; done; }

# setup_client LABEL: registers a confidential client (scope "read write") and checks one token and its introspection.
# The same client id is not reused across servers: each has its own data dir.
setup_client() {
  local label=$1 base=${P_BASE[$1]} reply admin="" i id secret basic token
  for i in $(seq 1 40); do   # the bootstrap admin is stored asynchronously
    reply=$(curl -s --max-time 5 -u "bench-admin:$ADMIN_SECRET" -d grant_type=client_credentials "$base/oauth/token" || true)
    admin=$(printf '%s' "$reply" | jq -r '.access_token // empty' 2>/dev/null || true)
    [[ -n "$admin" ]] && break
    sleep 0.25
  done
  [[ -n "$admin" ]] || die "$label: no admin token (${reply:-no reply})"
  reply=$(curl -s --max-time 10 -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"client_name":"bench","scope":"read write"}' "$base/clients/register")
  id=$(jq -r '.client_id // empty' <<<"$reply"); secret=$(jq -r '.client_secret // empty' <<<"$reply")
  [[ -n "$id" && -n "$secret" ]] || die "$label: registration failed: $reply"
  basic="Basic $(printf '%s:%s' "$id" "$secret" | base64 -w0)"   # RFC 6749 2.3.1; base64url ids need no form-encoding
  token=$(curl -s --max-time 10 -H "Authorization: $basic" -d grant_type=client_credentials "$base/oauth/token" | jq -r '.access_token // empty')
  [[ -n "$token" ]] || die "$label: token request failed"
  reply=$(curl -s --max-time 10 -H "Authorization: $basic" --data-urlencode "token=$token" "$base/oauth/introspect")
  [[ $(jq -r .active <<<"$reply") == true ]] || die "$label: a fresh token is not active: $reply"
  P_AUTH[$label]=$basic
}
declare -A P_AUTH=()

# admin_token LABEL: an access token of the bench admin client (scopes admin, events:read, events:ingest).
admin_token() {
  curl -s --max-time 10 -u "bench-admin:$ADMIN_SECRET" -d grant_type=client_credentials "${P_BASE[$1]}/oauth/token" | jq -r '.access_token // empty'
}

# start_scraper LABEL SECS: GET /metrics of LABEL every SECS seconds, as Prometheus would (stopped with the others).
start_scraper() {
  local label=$1 every=$2 token
  token=$(admin_token "$label"); [[ -n "$token" ]] || die "$label: no admin token for the scraper"
  ( while :; do curl -s -o /dev/null --max-time 5 -H "Authorization: Bearer $token" "${P_BASE[$label]}/metrics" || true; sleep "$every"; done ) &
  P_PID[$label-scraper]=$!
}

# start_stream_readers LABEL N: N clients reading GET /events/stream of LABEL as fast as it writes (stopped with the others).
start_stream_readers() {
  local label=$1 n=$2 token i
  token=$(admin_token "$label"); [[ -n "$token" ]] || die "$label: no admin token for the stream readers"
  for i in $(seq 1 "$n"); do
    curl -sN -o /dev/null -H "Authorization: Bearer $token" "${P_BASE[$label]}/events/stream" &
    P_PID[$label-reader-$i]=$!
  done
  sleep 1
}

# reader_ticks LABEL: CPU ticks (user + system) of what receives LABEL's output on this machine only because it is a
# benchmark: its stream readers (start_stream_readers) and the KEEP_RUNNING processes (the OTLP receiver). 0 without any.
reader_ticks() {
  local k r t=0
  for k in "${!P_PID[@]}"; do
    [[ -n ${P_PID[$k]} ]] || continue
    if [[ $k == "$1-reader-"* ]]; then t=$((t + $(proc_ticks "$k"))); continue; fi
    for r in "${KEEP_RUNNING[@]}"; do [[ $k == "$r" ]] && t=$((t + $(proc_ticks "$k"))); done
  done
  echo $t
}
proc_ticks() { local s; s=$(cat "/proc/${P_PID[$1]}/stat" 2>/dev/null) || die "$1 is gone; see ${P_LOG[$1]}"; printf '%s\n' "${s#*) }" | awk '{print $12 + $13}'; }
CLK_TCK=$(getconf CLK_TCK)

# wait_quiet: up to WAIT_QUIET s for a 3 s window where the machine is < 15% busy (shared machines).
wait_quiet() {
  [[ "$WAIT_QUIET" -gt 0 ]] || return 0
  local deadline=$((SECONDS + WAIT_QUIET)) a b pct
  while (( SECONDS < deadline )); do
    a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat); sleep 3
    b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
    pct=$(awk -v a="$a" -v b="$b" 'BEGIN { split(a, x); split(b, y); print (y[2] > x[2]) ? int(100 * (y[1] - x[1]) / (y[2] - x[2])) : 0 }')
    (( pct < 15 )) && return 0
  done
  log "  machine still busy after ${WAIT_QUIET}s; running anyway"
}

# run_wrk LABEL SCENARIO ROUND SECONDS: one wrk run against LABEL. SCENARIO: token (warm: the same, recorded apart),
# repeat (one token introspected), rotate (the minted tokens in rotation). ROUND "warmup" is not recorded; otherwise a line goes to $RESULTS:
# label scenario round rps p50 p99 errors server_us_per_req. (flooded: token under bench/signin-flood.sh's flood.)
# isolate LABEL: only LABEL (with its readers and scrapers) and the KEEP_RUNNING labels run; every other process is
# stopped (SIGSTOP) until its own turn. An idle server is not idle: its timers wake the thread pool, whose workers spin
# before they sleep (several % of a core each), which with four servers took a quarter of a core from the one measured.
KEEP_RUNNING=()
isolate() {
  local k r keep
  for k in "${!P_PID[@]}"; do
    [[ -n ${P_PID[$k]} ]] || continue
    keep=0; [[ $k == "$1" || $k == "$1-"* ]] && keep=1
    for r in "${KEEP_RUNNING[@]}"; do [[ $k == "$r" ]] && keep=1; done
    if [[ $keep -eq 1 ]]; then kill -CONT "${P_PID[$k]}" 2>/dev/null || true; else kill -STOP "${P_PID[$k]}" 2>/dev/null || true; fi
  done
  sleep 1   # what was stopped catches up on its timers
}

run_wrk() {
  local label=$1 scenario=$2 round=$3 secs=$4 script path
  local raw="$WORK/wrk-$label-$scenario-$round.txt"
  case "$scenario" in repeat) script=introspect ;; warm|flooded) script=token ;; *) script=$scenario ;; esac
  case "$script:${P_KIND[$label]}" in
    token:bare) path=/sign ;; introspect:bare|rotate:bare) path=/verify ;;
    token:server) path=/oauth/token ;; *) path=/oauth/introspect ;;
  esac
  isolate "$label"
  [[ "$round" == warmup ]] || wait_quiet
  local c0 c1 r0 r1 rc=0 line
  c0=$(proc_ticks "$label"); r0=$(reader_ticks "$label")
  BENCH_BASIC_AUTH="${P_AUTH[$label]:-Basic none}" BENCH_ACCESS_TOKEN="$ONE_TOKEN" BENCH_TOKENS_FILE="$TOKENS_FILE" \
    BENCH_PATH=$path BENCH_STRICT="$STRICT" BENCH_EXPECT="${EXPECT[$scenario]}" \
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "${secs}s" -s "$BENCH_DIR/$script.lua" "${P_BASE[$label]}/" >"$raw" 2>&1 || rc=$?
  c1=$(proc_ticks "$label"); r1=$(reader_ticks "$label")
  [[ $rc -eq 0 ]] || { cat "$raw" >&2; die "wrk failed ($rc)"; }
  line=$(grep '^BENCH_RESULT ' "$raw" | tail -1) || { cat "$raw" >&2; die "no result from wrk"; }
  local rps p50 p99 n errors us readers
  rps=$(kv rps "$line"); p50=$(kv p50_ms "$line"); p99=$(kv p99_ms "$line"); n=$(kv requests "$line")
  errors=$(( $(kv non2xx "$line") + $(kv unexpected_body "$line") + $(kv socket_errors "$line") ))
  us=$(awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" -v n="$n" 'BEGIN { printf "%.0f", (n > 0) ? 1e6 * (b - a) / hz / n : 0 }')
  readers=$(awk -v a="$r0" -v b="$r1" -v hz="$CLK_TCK" -v n="$n" 'BEGIN { printf "%.0f", (n > 0) ? 1e6 * (b - a) / hz / n : 0 }')
  log "  $label $scenario $round: $(fmt "$rps" 0) req/s, p50 $p50 ms, p99 $p99 ms, errors $errors, server CPU $us us/req, receivers CPU $readers us/req"
  # Columns: label scenario round req/s p50 p99 errors server-CPU-us/req receivers-CPU-us/req (reader_ticks).
  [[ "$round" == warmup ]] || printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$scenario" "$round" "$rps" "$p50" "$p99" "$errors" "$us" "$readers" >>"$RESULTS"
}
declare -A EXPECT=([token]='"access_token"' [introspect]='"active":true' [repeat]='"active":true' [rotate]='"active":true' [warm]='"access_token"' [flooded]='"access_token"')

# mint_tokens LABEL N FILE: N distinct access tokens issued by LABEL (client_credentials), one a line.
mint_tokens() {
  local label=$1 want=$2 file=$3 dir="$WORK/mint" have=0
  mkdir -p "$dir"
  while (( have < want )); do
    BENCH_BASIC_AUTH="${P_AUTH[$label]}" BENCH_MINT_DIR="$dir" wrk -t "$THREADS" -c "$CONNECTIONS" -d 3s -s "$BENCH_DIR/mint.lua" "${P_BASE[$label]}/" >/dev/null 2>&1 || die "minting failed"
    have=$(cat "$dir"/tokens-*.txt | sort -u | wc -l)
  done
  cat "$dir"/tokens-*.txt | sort -u | shuf -n "$want" >"$file"
  log "  minted $want distinct tokens on $label"
}

# ---- statistics over $RESULTS ------------------------------------------------------------------------------------
median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# median LABEL SCENARIO COLUMN: median over the recorded rounds (columns: 4 rps, 5 p50, 6 p99, 8 us/req)
median() { awk -F'\t' -v l="$1" -v s="$2" -v c="$3" '$1 == l && $2 == s { print $c }' "$RESULTS" | median_of; }
errors_of() { awk -F'\t' -v l="$1" -v s="$2" '$1 == l && $2 == s { t += $7 } END { print t + 0 }' "$RESULTS"; }
# ratio LABEL SCENARIO BASE_LABEL BASE_SCENARIO: median over rounds of rps(label, round) / rps(base, round)
ratio() {
  awk -F'\t' -v l="$1" -v s="$2" -v bl="$3" -v bs="$4" '
    $1 == l && $2 == s { a[$3] = $4 } $1 == bl && $2 == bs { b[$3] = $4 }
    END { for (r in a) if (r in b && b[r] > 0) print a[r] / b[r] }' "$RESULTS" | median_of
}
# cpu_ratio LABEL SCENARIO BASE_LABEL BASE_SCENARIO [COLUMN]: median over rounds of CPU per request (column 8, the
# server's; 9, the receivers') of label / the base's server CPU per request in the same round.
cpu_ratio() {
  awk -F'\t' -v l="$1" -v s="$2" -v bl="$3" -v bs="$4" -v c="${5:-8}" '
    $1 == l && $2 == s { a[$3] = $c } $1 == bl && $2 == bs { b[$3] = $8 }
    END { for (r in a) if (r in b && b[r] > 0) print a[r] / b[r] }' "$RESULTS" | median_of
}
pct() { awk -v v="$1" 'BEGIN { if (v == "nan") print "n/a"; else printf "%.0f%%", 100 * v }'; }
