#!/usr/bin/env bash
# The durable event log's store (bench/OAuth2.Actors.Benchmarks.EventLog) on SQLite and on PostgreSQL: append
# throughput with batches of 1,000 (median of rounds of 100,000 while the log fills to 1,000,000), memory, and the
# latency of GET /events-like queries over the full log (median of 21 runs). PostgreSQL: the instance of
# .ci/services/postgres.sh (started when OAUTH2_TEST_POSTGRES_URL is not set), in a database of the benchmark's own.
#
#   bench/event-log.sh                         # both databases, 1,000,000 events
#   bench/event-log.sh --databases sqlite      # one of them
#   bench/event-log.sh --events 200000 --bulk unnest   # options go to the benchmark (see its Program.cs)
#   bench/event-log.sh --floor --batch 100    # SQLite: the store's append per event against bare inserts (Floor.cs)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD_DIR="${TMPDIR:-/tmp}/oauth2-actors-bench-eventlog"
DATABASES=sqlite,postgres FLOOR=0
ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --databases) DATABASES="${2:?}"; shift 2 ;;
    --floor) FLOOR=1; shift ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done

echo "[event-log] building (Release) into $BUILD_DIR" >&2
dotnet build -c Release "$BENCH_DIR/OAuth2.Actors.Benchmarks.EventLog" --artifacts-path "$BUILD_DIR" -nologo -v quiet -clp:ErrorsOnly >&2
DLL=$(find "$BUILD_DIR/bin/OAuth2.Actors.Benchmarks.EventLog" -name OAuth2.Actors.Benchmarks.EventLog.dll -path '*release*' | head -1)

echo "# $(date -u +%FT%TZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(git -C "$REPO_DIR" rev-parse --short HEAD)"
[[ $FLOOR -eq 0 ]] || exec dotnet "$DLL" --floor ${ARGS[@]+"${ARGS[@]}"}
for database in ${DATABASES//,/ }; do
  if [[ $database == postgres ]]; then
    if [[ -z ${OAUTH2_TEST_POSTGRES_URL:-} ]]; then
      bash "$REPO_DIR/.ci/services/postgres.sh" start >&2
      set -a; . "${OAUTH2_CI_ENV:-${TMPDIR:-/tmp}/oauth2-actors-ci/env}"; set +a
    fi
    dotnet "$DLL" --database postgres --url "$OAUTH2_TEST_POSTGRES_URL" "${ARGS[@]}"
  else
    dotnet "$DLL" --database "$database" "${ARGS[@]}"
  fi
  echo
done
