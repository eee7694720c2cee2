#!/usr/bin/env bash
# Load benchmark of the OAuth2.Actors server against the bare baseline (bench/OAuth2.Actors.Benchmarks.Baseline: Kestrel
# signing or verifying the same ES256 JWT and nothing else, the machine's ceiling for this work). Server and baseline
# run side by side in one run, rounds alternate between them, and every figure is a median over rounds; throughput is
# reported as a ratio to the baseline measured in the same rounds, because absolute figures on a shared box drift.
#
#   bench/load.sh                                  # token, introspect and repeat modes, 3 rounds
#   bench/load.sh --modes all --before origin/main # all modes, plus the server at another revision in the same rounds
#   bench/load.sh --modes events --rounds 5        # events on vs off
#   bench/load.sh --modes cold                     # first 10 s after start vs warm, fresh process per round
#
# Modes:  token       client_credentials (client_secret_basic) vs bare POST /sign
#         introspect  --tokens distinct tokens in rotation (cache misses) vs bare POST /verify of the same tokens
#         repeat      one token introspected over and over vs bare verification of it
#         events      the server with events on (every event appended to the durable log, in_memory sink) vs
#                     OAUTH2_EVENTS_ENABLED=false (token and introspect)
#         cold        the first --cold-seconds of client_credentials after start vs the same process warm
#         telemetry   client_credentials with metrics scraped every 5 s and traces sampled at 10% exported over OTLP
#                     (to the baseline's discarding receiver: telemetry-on), the same with the metrics also pushed
#                     over OTLP every 5 s (telemetry-all: two metric readers), and with 10 readers of /events/stream
#                     (streams), each vs the same server with OpenTelemetry off (OTEL_SDK_DISABLED=true)
#         telemetry-floor  the bare baseline with OpenTelemetry set up as the server's telemetry-on (request spans
#                     sampled at 10% pushed over OTLP, ASP.NET Core's and Kestrel's meters scraped every 5 s) vs without:
#                     what OpenTelemetry costs per request with no OAuth2 around it
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"

DURATION=15 WARMUP=30 CONNECTIONS=64 THREADS=2 ROUNDS=3 MODES=token,introspect,repeat TOKENS=20000 COLD_SECONDS=10
BUILD=1 BUILD_DIR="${TMPDIR:-/tmp}/oauth2-actors-bench-build" REV="" BEFORE="" KEEP=0 OUT="" CHECK=0 STRICT=0
READY_TIMEOUT=120 WAIT_QUIET=0 EXTRA_ENV=()
# Targets: ratios to the baseline of the same run, 64 connections.
# T_EVENTS: events on, with the durable event log (issue #12), costs at most 10% of events off.
# T_TELEMETRY: metrics and 10% tracing, and 10 event-stream readers, each cost at most 5% (issue #14).
T_TOKEN=0.60 T_INTROSPECT=0.85 T_REPEAT=1.00 T_P99=50 T_EVENTS=0.10 T_COLD=0.50 T_TELEMETRY=0.05 STREAM_READERS=10

usage() {
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'
Options:
  --modes LIST        token,introspect,repeat,events,cold,telemetry,telemetry-floor or all (default token,introspect,repeat)
  --rounds N          measured rounds per mode; medians are reported (default 3)
  --duration SECS     length of each measured run (default 15)
  --warmup SECS       unrecorded run per process and scenario before the rounds (default 30; tiered JIT and PGO
                      keep recompiling the hot path for tens of seconds on 2 cores, so a short warm-up measures the JIT)
  --connections N     wrk connections (default 64);  --threads N  wrk threads (default 2)
  --tokens N          distinct tokens for the introspect mode (default 20000)
  --cold-seconds N    the cold window of the cold mode (default 10)
  --rev REV           measure the server as committed at REV instead of the working tree
  --before REV        also measure the server at REV in the same rounds (before/after in one run)
  --env KEY=VALUE     extra environment for the servers (repeatable)
  --no-build          reuse the last builds in --build-dir;  --build-dir DIR (default $TMPDIR/oauth2-actors-bench-build)
  --strict            check every response body (costs wrk CPU; for correctness, not headline figures)
  --wait-quiet SECS   before each measured run wait up to SECS for the machine to be < 15% busy
  --out FILE          also write the Markdown report to FILE;  --check  exit 1 when a target is missed
  --keep              keep the work directory (logs, raw wrk output, tokens)
EOF
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --modes|--scenarios) MODES="${2:?}"; shift 2 ;;
    --rounds|--repeat) ROUNDS="${2:?}"; shift 2 ;;
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --connections) CONNECTIONS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --tokens) TOKENS="${2:?}"; shift 2 ;;
    --cold-seconds) COLD_SECONDS="${2:?}"; shift 2 ;;
    --rev) REV="${2:?}"; shift 2 ;;
    --before) BEFORE="${2:?}"; shift 2 ;;
    --env) [[ "${2:-}" == [A-Za-z_]*=* ]] || die "--env needs KEY=VALUE"; EXTRA_ENV+=("$2"); shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --build-dir) BUILD_DIR="${2:?}"; shift 2 ;;
    --strict) STRICT=1; shift ;;
    --wait-quiet) WAIT_QUIET="${2:?}"; shift 2 ;;
    --out) OUT="${2:?}"; shift 2 ;;
    --check) CHECK=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
for n in "$DURATION" "$WARMUP" "$CONNECTIONS" "$THREADS" "$ROUNDS" "$TOKENS" "$COLD_SECONDS" "$WAIT_QUIET"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "not a number: $n"
done
[[ $MODES == all ]] && MODES=token,introspect,repeat,events,cold,telemetry
IFS=',' read -ra MODE_LIST <<<"$MODES"
for m in "${MODE_LIST[@]}"; do [[ $m =~ ^(token|introspect|repeat|events|cold|telemetry|telemetry-floor)$ ]] || die "unknown mode: $m"; done
has_mode() { [[ ",$MODES," == *",$1,"* ]]; }

ensure_tools
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oauth2-bench.XXXXXX")
RESULTS="$WORK/results.tsv"; : >"$RESULTS"
cleanup() { local rc=$?; stop_all; if [[ $KEEP -eq 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi; exit $rc; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# One key and one issuer for every process, so a token minted by one server verifies on the others and the baseline.
KEY_FILE="$WORK/signing-key.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEY_FILE" 2>/dev/null || die "openssl genpkey failed"
ISSUER="http://bench.oauth2-actors.local"
ADMIN_SECRET=$(openssl rand -hex 24)
TOKENS_FILE="$WORK/tokens.txt" ONE_TOKEN=""

if [[ -n "$REV" ]]; then SERVER_DLL=$(build_rev "$REV"); SOURCE="revision $REV"
else
  SERVER_DLL=$(build_project "$REPO_DIR/src/OAuth2.Actors.Server" "$BUILD_DIR/worktree" OAuth2.Actors.Server)
  SOURCE="working tree at $(git -C "$REPO_DIR" rev-parse --short HEAD)$([[ -z $(git -C "$REPO_DIR" status --porcelain -- src) ]] || echo ' with uncommitted changes in src/')"
fi
BARE_DLL=$(build_project "$BENCH_DIR/OAuth2.Actors.Benchmarks.Baseline" "$BUILD_DIR/baseline" OAuth2.Actors.Benchmarks.Baseline)
[[ -z "$BEFORE" ]] || BEFORE_DLL=$(build_rev "$BEFORE")

SERVERS=(server); [[ -z "$BEFORE" ]] || SERVERS=(before server)
warm_up() { [[ $WARMUP -eq 0 ]] || run_wrk "$1" "$2" warmup "$WARMUP"; }
# measure SCENARIO LABEL...: warm each up, then ROUNDS rounds, each running every label once in turn, in the given order
# in odd rounds and the reverse in even ones (a machine that slows down or speeds up during a round favours no label).
measure() {
  local scenario=$1 l r i labels; shift
  for l in "$@"; do warm_up "$l" "$scenario"; done
  for r in $(seq 1 "$ROUNDS"); do
    labels=("$@"); (( r % 2 == 1 )) || { labels=(); for ((i = $#; i >= 1; i--)); do labels+=("${!i}"); done; }
    for l in "${labels[@]}"; do run_wrk "$l" "$scenario" "$r" "$DURATION"; done
  done
}

if has_mode token || has_mode introspect || has_mode repeat; then
  start_process bare bare "$BARE_DLL"
  [[ -z "$BEFORE" ]] || start_process before server "$BEFORE_DLL"
  start_process server server "$SERVER_DLL"
  mint_tokens server "$TOKENS" "$TOKENS_FILE"; ONE_TOKEN=$(head -1 "$TOKENS_FILE")
  ! has_mode token || measure token bare "${SERVERS[@]}"
  ! has_mode introspect || measure rotate bare "${SERVERS[@]}"
  ! has_mode repeat || measure repeat bare "${SERVERS[@]}"
  stop_all
fi
if has_mode events; then
  start_process events-on server "$SERVER_DLL"
  start_process events-off server "$SERVER_DLL" OAUTH2_EVENTS_ENABLED=false
  [[ -s "$TOKENS_FILE" ]] || mint_tokens events-on "$TOKENS" "$TOKENS_FILE"
  measure token events-off events-on
  measure rotate events-off events-on
  stop_all
fi
if has_mode telemetry; then
  start_process otlp bare "$BARE_DLL"; KEEP_RUNNING=(otlp)   # the OTLP receiver answers every run's exports
  start_process telemetry-off server "$SERVER_DLL" OTEL_SDK_DISABLED=true
  # telemetry-on: the metrics scraped at /metrics, the traces pushed (OTLP for the traces only); telemetry-all: OTLP for both.
  start_process telemetry-on server "$SERVER_DLL" OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="${P_BASE[otlp]}/v1/traces" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
    OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1
  start_process telemetry-all server "$SERVER_DLL" OTEL_EXPORTER_OTLP_ENDPOINT="${P_BASE[otlp]}" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
    OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1 OTEL_METRIC_EXPORT_INTERVAL=5000
  start_process streams server "$SERVER_DLL" OTEL_SDK_DISABLED=true
  start_scraper telemetry-on 5
  start_scraper telemetry-all 5
  start_stream_readers streams "$STREAM_READERS"
  measure token telemetry-off telemetry-on telemetry-all streams
  stop_all
fi
if has_mode telemetry-floor; then
  start_process otlp bare "$BARE_DLL"; KEEP_RUNNING=(otlp)
  start_process bare-off bare "$BARE_DLL"
  start_process bare-on bare "$BARE_DLL" BASELINE_TELEMETRY=on OTEL_EXPORTER_OTLP_ENDPOINT="${P_BASE[otlp]}" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
    OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1
  ( while :; do curl -s -o /dev/null --max-time 5 "${P_BASE[bare-on]}/metrics" || true; sleep 5; done ) &
  P_PID[bare-on-scraper]=$!
  measure token bare-off bare-on
  stop_all
fi
if has_mode cold; then
  for r in $(seq 1 "$ROUNDS"); do
    for l in "${SERVERS[@]}"; do
      dll=$SERVER_DLL; [[ $l == before ]] && dll=$BEFORE_DLL
      start_process "cold-$l" server "$dll"
      run_wrk "cold-$l" token "$r" "$COLD_SECONDS"          # the cold window, right after /ready and the client set-up
      warm_up "cold-$l" token
      run_wrk "cold-$l" warm "$r" "$DURATION"               # the same process, warm
      stop_process "cold-$l"
    done
  done
fi
stop_all

# ---- report --------------------------------------------------------------------------------------------------
MISSED=0
check() { # description value op target shown-value shown-target
  if awk -v v="$2" -v t="$4" -v op="$3" 'BEGIN { if (v == "nan") exit 1; exit !((op == ">=" && v >= t) || (op == ">" && v > t) || (op == "<" && v < t) || (op == "<=" && v <= t) || (op == "==" && v == t)) }'
  then echo "| $1 | $5 | $3 $6 | met |"; else MISSED=1; echo "| $1 | $5 | $3 $6 | **missed** |"; fi
}
row() { # label scenario [reference-label reference-scenario]
  local vs="—"; [[ -z "${3:-}" ]] || vs=$(pct "$(ratio "$1" "$2" "$3" "$4")")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$2" "$1" "$(fmt "$(median "$1" "$2" 4)" 0)" "$(fmt "$(median "$1" "$2" 5)" 2)" \
    "$(fmt "$(median "$1" "$2" 6)" 2)" "$(errors_of "$1" "$2")" "$(fmt "$(median "$1" "$2" 8)" 0)" "$vs"
}
REPORT="$WORK/report.md"
{
  echo "### OAuth2.Actors load benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $SOURCE${BEFORE:+, before = $BEFORE}, $(nproc) CPUs, .NET $(dotnet --version), $(wrk -v 2>&1 | awk 'NR == 1 { print $1, $2 }')."
  echo "wrk -t$THREADS -c$CONNECTIONS on the same machine; ${WARMUP}s warm-up per process and scenario; $ROUNDS rounds of ${DURATION}s alternating between the processes; medians over rounds; ratio = median over rounds of req/s / req/s of the reference in the same round."
  echo
  echo "| scenario | process | req/s | p50 ms | p99 ms | errors | server CPU us/req | vs reference |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  for s in token rotate repeat; do
    [[ -n $(awk -F'\t' -v s="$s" '$1 == "bare" && $2 == s' "$RESULTS") ]] || continue
    row bare "$s"; for l in "${SERVERS[@]}"; do row "$l" "$s" bare "$s"; done
  done
  if has_mode events; then for s in token rotate; do row events-off "$s"; row events-on "$s" events-off "$s"; done; fi
  if has_mode cold; then for l in "${SERVERS[@]}"; do row "cold-$l" warm; row "cold-$l" token "cold-$l" warm; done; fi
  if has_mode telemetry-floor; then row bare-off token; row bare-on token bare-off token; fi
  if has_mode telemetry; then row telemetry-off token; row telemetry-on token telemetry-off token; row telemetry-all token telemetry-off token; row streams token telemetry-off token; fi
  echo
  echo "(rotate: $TOKENS distinct tokens in rotation; repeat: one token; cold-*: token = the first ${COLD_SECONDS}s after /ready, warm = the same process after warm-up.)"
  echo
  echo "| target | measured | wanted | |"
  echo "|---|---:|---:|---|"
  for l in "${SERVERS[@]}"; do
    if has_mode token; then
      v=$(ratio "$l" token bare token); check "$l: client_credentials vs bare sign" "$v" ">=" "$T_TOKEN" "$(pct "$v")" "$(pct $T_TOKEN)"
      v=$(median "$l" token 6); check "$l: client_credentials p99 ms" "$v" "<" "$T_P99" "$(fmt "$v" 1)" "$T_P99"
      v=$(errors_of "$l" token); check "$l: client_credentials errors" "$v" "==" 0 "$v" 0
    fi
    if has_mode introspect; then
      v=$(ratio "$l" rotate bare rotate); check "$l: introspection, distinct tokens vs bare verify" "$v" ">=" "$T_INTROSPECT" "$(pct "$v")" "$(pct $T_INTROSPECT)"
      v=$(median "$l" rotate 6); check "$l: introspection p99 ms" "$v" "<" "$T_P99" "$(fmt "$v" 1)" "$T_P99"
      v=$(errors_of "$l" rotate); check "$l: introspection errors" "$v" "==" 0 "$v" 0
    fi
    if has_mode repeat; then
      v=$(ratio "$l" repeat bare repeat); check "$l: introspection, one token vs bare verify" "$v" ">" "$T_REPEAT" "$(pct "$v")" "$(pct $T_REPEAT)"
    fi
    if has_mode cold; then
      v=$(ratio "cold-$l" token "cold-$l" warm); check "$l: first ${COLD_SECONDS}s vs warm" "$v" ">=" "$T_COLD" "$(pct "$v")" "$(pct $T_COLD)"
    fi
  done
  if has_mode events; then
    for s in token rotate; do
      v=$(awk -v r="$(ratio events-on "$s" events-off "$s")" 'BEGIN { print (r == "nan") ? "nan" : 1 - r }')
      check "events on (durable log): cost on $s" "$v" "<=" "$T_EVENTS" "$(pct "$v")" "$(pct $T_EVENTS)"
    done
  fi
  if has_mode telemetry-floor; then
    v=$(awk -v r="$(cpu_ratio bare-on token bare-off token)" 'BEGIN { print (r == "nan") ? "nan" : r - 1 }')
    echo "| OpenTelemetry (10% traces, scraped metrics) on bare Kestrel: CPU per request | $(pct "$v") | (the floor of the telemetry targets) | |"
    v=$(awk -v r="$(ratio bare-on token bare-off token)" 'BEGIN { print (r == "nan") ? "nan" : 1 - r }')
    echo "| OpenTelemetry (10% traces, scraped metrics) on bare Kestrel: cost on throughput | $(pct "$v") | (the floor of the telemetry targets) | |"
  fi
  if has_mode telemetry; then
    v=$(awk -v r="$(ratio telemetry-on token telemetry-off token)" 'BEGIN { print (r == "nan") ? "nan" : 1 - r }')
    # The OTLP receiver and the stream readers run on the same two cores, so the throughput counts their CPU too: the
    # server's own cost is its CPU per request against the baseline's in the same round (medians of the per-round ratios).
    for l in telemetry-on telemetry-all streams; do
      case $l in
        telemetry-on) what="metrics (scraped) and 10% tracing" ;;
        telemetry-all) what="metrics (scraped and pushed) and 10% tracing" ;;
        streams) what="$STREAM_READERS event-stream readers" ;;
      esac
      v=$(awk -v r="$(ratio "$l" token telemetry-off token)" 'BEGIN { print (r == "nan") ? "nan" : 1 - r }')
      check "$what: cost on token throughput" "$v" "<=" "$T_TELEMETRY" "$(pct "$v")" "$(pct $T_TELEMETRY)"
      v=$(awk -v r="$(cpu_ratio "$l" token telemetry-off token)" 'BEGIN { print (r == "nan") ? "nan" : r - 1 }')
      check "$what: server CPU per token request" "$v" "<=" "$T_TELEMETRY" "$(pct "$v")" "$(pct $T_TELEMETRY)"
      v=$(cpu_ratio "$l" token telemetry-off token 9)
      echo "| $what: the receivers' CPU (OTLP receiver, stream readers) per token request, against the baseline server's | $(pct "$v") | (not a target) | |"
    done
  fi
} >"$REPORT"
echo; cat "$REPORT"
[[ -z "$OUT" ]] || cp "$REPORT" "$OUT"
[[ $CHECK -eq 0 || $MISSED -eq 0 ]] || exit 1
