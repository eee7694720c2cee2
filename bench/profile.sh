#!/usr/bin/env bash
# Where the server's CPU goes per request: starts the server (Release build, perf map on), warms it up on a scenario,
# then samples it with perf for --seconds while wrk drives the same scenario, and prints the share of CPU and the
# microseconds per request by area of the request path (bench/lib/classify.py says how a sample is attributed).
#
#   bench/profile.sh --scenario token     # client_credentials
#   bench/profile.sh --scenario rotate    # introspection of 20,000 distinct tokens in rotation
# Options: --warmup SECS (default 30), --seconds SECS (default 15), --env KEY=VALUE, --no-build, --keep, --top N
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
source "$BENCH_DIR/lib/common.sh"

SCENARIO=token WARMUP=30 SECONDS_=15 CONNECTIONS=64 THREADS=2 BUILD=1 KEEP=0 TOP=25 TOKENS=20000 STRICT=0 WAIT_QUIET=0
BUILD_DIR="${TMPDIR:-/tmp}/oauth2-actors-bench-build" READY_TIMEOUT=120 EXTRA_ENV=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)  # W^X double-mapping hides JIT code from perf
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scenario) SCENARIO="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --seconds) SECONDS_="${2:?}"; shift 2 ;;
    --env) EXTRA_ENV+=("${2:?}"); shift 2 ;;
    --top) TOP="${2:?}"; shift 2 ;;
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
[[ $WARMUP -eq 0 ]] || run_wrk server "$SCENARIO" warmup "$WARMUP"
# perf starts a second after wrk and stops a second before it, so connection set-up and tear-down stay out.
run_wrk server "$SCENARIO" 1 $((SECONDS_ + 2)) &
wrk_job=$!
sleep 1
perf record -F 499 -g -p "${P_PID[server]}" -o "$WORK/perf.data" -- sleep "$SECONDS_" >/dev/null 2>&1
wait $wrk_job
US=$(awk -F'\t' '{ print $8 }' "$RESULTS")
perf script -i "$WORK/perf.data" 2>/dev/null >"$WORK/perf.txt"
echo
echo "### CPU per request, $SCENARIO ($(awk -F'\t' '{ printf "%.0f req/s, p99 %s ms", $4, $6 }' "$RESULTS"), server CPU $US us/req)"
echo
python3 "$BENCH_DIR/lib/classify.py" --us-per-req "$US" <"$WORK/perf.txt"
echo
echo "Top $TOP leaf symbols (self):"
perf report -i "$WORK/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -n "$TOP"
