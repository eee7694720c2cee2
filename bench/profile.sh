#!/usr/bin/env bash
# Where the server's CPU goes per request: starts the server (Release build, perf map on), warms it up on a scenario,
# then samples it with perf for --seconds while wrk drives the same scenario, and prints the share of CPU and the
# microseconds per request by area of the request path (bench/lib/classify.py says how a sample is attributed).
#
#   bench/profile.sh --scenario token     # client_credentials
#   bench/profile.sh --scenario rotate    # introspection of 20,000 distinct tokens in rotation
#   bench/profile.sh --scenario token --bare   # the same for the bare baseline, to compare area by area
#   bench/profile.sh --scenario token --stream-readers 10   # with 10 curl readers of GET /events/stream (their CPU shown apart)
# Options: --warmup SECS (default 30), --seconds SECS (default 15), --env KEY=VALUE, --stream-readers N, --no-build, --keep, --top N
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
source "$BENCH_DIR/lib/common.sh"

SCENARIO=token TARGET=server WARMUP=30 SECONDS_=15 CONNECTIONS=64 THREADS=2 BUILD=1 KEEP=0 TOP=25 TOKENS=20000 STRICT=0 WAIT_QUIET=0
READERS=0 BUILD_DIR="${TMPDIR:-/tmp}/oauth2-actors-bench-build" READY_TIMEOUT=120 EXTRA_ENV=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)  # W^X double-mapping hides JIT code from perf
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scenario) SCENARIO="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --seconds) SECONDS_="${2:?}"; shift 2 ;;
    --env) EXTRA_ENV+=("${2:?}"); shift 2 ;;
    --top) TOP="${2:?}"; shift 2 ;;
    --stream-readers) READERS="${2:?}"; shift 2 ;;
    --bare) TARGET=bare; shift ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    *) sed -n '2,9p' "$0"; die "unknown argument: $1" ;;
  esac
done
[[ $SCENARIO =~ ^(token|rotate|repeat)$ ]] || die "scenario: token, rotate or repeat"
command -v perf >/dev/null || die "perf is required (apt-get install linux-perf)"
ensure_tools
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oauth2-profile.XXXXXX")
RESULTS="$WORK/results.tsv"; : >"$RESULTS"
trap 'rc=$?; stop_all; [[ $KEEP -eq 1 ]] && log "kept $WORK" || rm -rf "$WORK"; exit $rc' EXIT
KEY_FILE="$WORK/signing-key.pem"; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEY_FILE" 2>/dev/null
ISSUER="http://bench.oauth2-actors.local" ADMIN_SECRET=$(openssl rand -hex 24) TOKENS_FILE="$WORK/tokens.txt" ONE_TOKEN=""

SERVER_DLL=$(build_project "$REPO_DIR/src/OAuth2.Actors.Server" "$BUILD_DIR/worktree" OAuth2.Actors.Server)
start_process server server "$SERVER_DLL"
[[ $SCENARIO == token ]] || { mint_tokens server "$TOKENS" "$TOKENS_FILE"; ONE_TOKEN=$(head -1 "$TOKENS_FILE"); }
if [[ $TARGET == bare ]]; then
  stop_process server
  BARE_DLL=$(build_project "$BENCH_DIR/OAuth2.Actors.Benchmarks.Baseline" "$BUILD_DIR/baseline" OAuth2.Actors.Benchmarks.Baseline)
  start_process bare bare "$BARE_DLL" DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
fi
[[ $READERS -eq 0 ]] || start_stream_readers "$TARGET" "$READERS"
[[ $WARMUP -eq 0 ]] || run_wrk "$TARGET" "$SCENARIO" warmup "$WARMUP"
# perf starts a second after wrk and stops a second before it, so connection set-up and tear-down stay out.
run_wrk "$TARGET" "$SCENARIO" 1 $((SECONDS_ + 2)) &
wrk_job=$!
sleep 1
COUNTERS=$(command -v dotnet-counters || ls ~/.dotnet/tools/dotnet-counters 2>/dev/null || true)
[[ -z "$COUNTERS" ]] || "$COUNTERS" collect -p "${P_PID[$TARGET]}" --counters System.Runtime --format csv -o "$WORK/counters.csv" \
  --duration "00:00:00:$SECONDS_" >/dev/null 2>&1 &
counters_job=$!
readers_before=$(reader_ticks "$TARGET")
perf record -F 499 -g -p "${P_PID[$TARGET]}" -o "$WORK/perf.data" -- sleep "$SECONDS_" >/dev/null 2>&1
readers_after=$(reader_ticks "$TARGET")
wait $wrk_job ${counters_job:-}
US=$(awk -F'\t' '{ print $8 }' "$RESULTS")
perf script -i "$WORK/perf.data" 2>/dev/null >"$WORK/perf.txt"
echo
echo "### CPU per request, $TARGET, $SCENARIO ($(awk -F'\t' '{ printf "%.0f req/s, p99 %s ms", $4, $6 }' "$RESULTS"), server CPU $US us/req)"
echo
python3 "$BENCH_DIR/lib/classify.py" --us-per-req "$US" <"$WORK/perf.txt"
if [[ $READERS -gt 0 ]]; then   # the readers' own CPU (user + system), per request served in the same window
  awk -v t=$((readers_after - readers_before)) -v hz="$CLK_TCK" -v s="$SECONDS_" -v rps="$(awk -F'\t' '{ print $4 }' "$RESULTS")" -v n="$READERS" \
    'BEGIN { printf "\nThe %d stream readers: %.0f%% of a core, %.1f us per request\n", n, 100 * t / hz / s, 1e6 * t / hz / s / rps }'
fi
if [[ -s "$WORK/counters.csv" ]]; then   # allocation and GC pause per request (dotnet-counters, same window)
  RPS=$(awk -F'\t' '{ print $4 }' "$RESULTS")
  awk -F, -v rps="$RPS" '/total_allocated/ { a += $NF; na++ } /gc.pause.time/ { p += $NF; np++ }
    END { if (na) printf "\nAllocated: %.1f KB/req; ", a / na / rps / 1024; if (np) printf "GC pauses: %.1f%% of wall time, %.1f us/req\n", 100 * p / np, 1e6 * p / np / rps }' "$WORK/counters.csv"
fi
echo
echo "Top $TOP leaf symbols (self):"
perf report -i "$WORK/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -n "$TOP"
