#!/usr/bin/env bash
# Sign-in flood benchmark: token issuance (client_credentials, as bench/load.sh's token mode) measured alone and
# while another wrk floods the password grant with random usernames (each a PBKDF2 hash at the production cost and,
# the usernames being new, a user entity started). Rounds alternate quiet and flooded runs of the same server; the
# figure is the median over rounds of flooded req/s / quiet req/s of the same round. Target: at least 50%.
#
#   bench/signin-flood.sh                          # 3 rounds of 15 s, flood on 32 connections
#   bench/signin-flood.sh --before origin/main     # also the server at another revision, in the same rounds
#
# The sign-in rate limit is turned off (OAUTH2_RATE_LIMIT_SIGNIN_PER_MINUTE=0): the flood comes from one address and
# would be refused at once; this measures what bounds the cost when the limit does not (many addresses): the bounded
# hashing workers, dropped work after a timeout.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"

DURATION=15 WARMUP=20 CONNECTIONS=64 THREADS=2 ROUNDS=3 FLOOD_CONNECTIONS=32 TARGET=0.50
BUILD=1 BUILD_DIR="${TMPDIR:-/tmp}/oauth2-actors-bench-build" BEFORE="" KEEP=0 OUT="" CHECK=0 STRICT=0
READY_TIMEOUT=120 WAIT_QUIET=0 EXTRA_ENV=()

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOT'
Options:
  --rounds N  --duration SECS  --warmup SECS  --connections N (token wrk)  --flood-connections N (sign-in wrk)
  --before REV        also measure the server at REV in the same rounds
  --env KEY=VALUE     extra environment for the servers (repeatable)
  --no-build  --build-dir DIR  --wait-quiet SECS  --out FILE  --check (exit 1 below the target)  --keep
EOT
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="${2:?}"; shift 2 ;;
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --connections) CONNECTIONS="${2:?}"; shift 2 ;;
    --flood-connections) FLOOD_CONNECTIONS="${2:?}"; shift 2 ;;
    --before) BEFORE="${2:?}"; shift 2 ;;
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

ensure_tools
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oauth2-flood.XXXXXX")
RESULTS="$WORK/results.tsv"; : >"$RESULTS"; FLOODS="$WORK/floods.tsv"; : >"$FLOODS"
FLOOD_PID=""
cleanup() {
  local rc=$?
  [[ -z "$FLOOD_PID" ]] || kill "$FLOOD_PID" 2>/dev/null || true
  stop_all; if [[ $KEEP -eq 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi; exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

KEY_FILE="$WORK/signing-key.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEY_FILE" 2>/dev/null || die "openssl genpkey failed"
ISSUER="http://bench.oauth2-actors.local"
ADMIN_SECRET=$(openssl rand -hex 24)
ONE_TOKEN="" TOKENS_FILE=""   # used by load.sh's introspection scenarios only

SERVER_DLL=$(build_project "$REPO_DIR/src/OAuth2.Actors.Server" "$BUILD_DIR/worktree" OAuth2.Actors.Server)
SOURCE="working tree at $(git -C "$REPO_DIR" rev-parse --short HEAD)$([[ -z $(git -C "$REPO_DIR" status --porcelain -- src) ]] || echo ' with uncommitted changes in src/')"
SERVERS=(server); [[ -z "$BEFORE" ]] || { BEFORE_DLL=$(build_rev "$BEFORE"); SERVERS=(before server); }

declare -A P_PASSWORD_AUTH=()
# password_client LABEL: a confidential client registered (by the admin) for the password grant.
password_client() {
  local base=${P_BASE[$1]} admin reply id secret
  admin=$(curl -s -u "bench-admin:$ADMIN_SECRET" -d grant_type=client_credentials "$base/oauth/token" | jq -r .access_token)
  reply=$(curl -s -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"client_name":"flood","scope":"read","grant_types":["password"]}' "$base/clients/register")
  id=$(jq -r '.client_id // empty' <<<"$reply"); secret=$(jq -r '.client_secret // empty' <<<"$reply")
  [[ -n "$id" && -n "$secret" ]] || die "$1: password client registration failed: $reply"
  P_PASSWORD_AUTH[$1]="Basic $(printf '%s:%s' "$id" "$secret" | base64 -w0)"
}

for l in "${SERVERS[@]}"; do
  dll=$SERVER_DLL; [[ $l == before ]] && dll=$BEFORE_DLL
  start_process "$l" server "$dll" OAUTH2_ALLOW_PASSWORD_GRANT=true OAUTH2_RATE_LIMIT_SIGNIN_PER_MINUTE=0
  password_client "$l"
done

# flood_start LABEL ROUND SECS: the sign-in wrk in the background, a little longer than the token run it surrounds.
flood_start() {
  BENCH_PASSWORD_AUTH="${P_PASSWORD_AUTH[$1]}" wrk -t 1 -c "$FLOOD_CONNECTIONS" -d "$(( $3 + 4 ))s" --timeout 30s \
    -s "$BENCH_DIR/signin.lua" "${P_BASE[$1]}/" >"$WORK/flood-$1-$2.txt" 2>&1 &
  FLOOD_PID=$!
  sleep 3   # the flood reaches its steady state (hash workers busy, queue full) before token issuance is measured
}
flood_end() { # LABEL ROUND
  wait "$FLOOD_PID" || true; FLOOD_PID=""
  local line; line=$(grep '^FLOOD_RESULT ' "$WORK/flood-$1-$2.txt" | tail -1) || { cat "$WORK/flood-$1-$2.txt" >&2; die "no result from the flood"; }
  log "  $1 flood $2: $(fmt "$(kv rps "$line")" 0) sign-ins/s (400: $(kv s400 "$line"), 503: $(kv s503 "$line"), 429: $(kv s429 "$line"), other: $(kv other "$line")), p50 $(kv p50_ms "$line") ms"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(kv rps "$line")" "$(kv s400 "$line")" "$(kv s503 "$line")" "$(kv other "$line")" "$(kv p50_ms "$line")" >>"$FLOODS"
}

for l in "${SERVERS[@]}"; do
  [[ $WARMUP -eq 0 ]] || run_wrk "$l" token warmup "$WARMUP"
done
for r in $(seq 1 "$ROUNDS"); do
  for l in "${SERVERS[@]}"; do
    run_wrk "$l" token "$r" "$DURATION"
    flood_start "$l" "$r" "$DURATION"
    run_wrk "$l" flooded "$r" "$DURATION"
    flood_end "$l" "$r"
  done
done
stop_all

flood_median() { awk -F'\t' -v l="$1" -v c="$2" '$1 == l { print $c }' "$FLOODS" | median_of; }
MISSED=0
REPORT="$WORK/report.md"
{
  echo "### Sign-in flood: token issuance alone and under a flood of password sign-ins"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $SOURCE${BEFORE:+, before = $BEFORE}, $(nproc) CPUs, .NET $(dotnet --version)."
  echo "Token: wrk -t$THREADS -c$CONNECTIONS client_credentials; flood: wrk -t1 -c$FLOOD_CONNECTIONS password grant, random usernames, default hashing (PBKDF2-HMAC-SHA512, 210,000 iterations), sign-in rate limit off. ${WARMUP}s warm-up; $ROUNDS rounds of ${DURATION}s, quiet then flooded; medians over rounds."
  echo
  echo "| process | token req/s alone | token req/s flooded | kept | token p99 ms flooded | sign-ins/s | refused (hashed) | timed out (503) | other |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for l in "${SERVERS[@]}"; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$l" "$(fmt "$(median "$l" token 4)" 0)" "$(fmt "$(median "$l" flooded 4)" 0)" \
      "$(pct "$(ratio "$l" flooded "$l" token)")" "$(fmt "$(median "$l" flooded 6)" 1)" "$(fmt "$(flood_median "$l" 3)" 1)" \
      "$(flood_median "$l" 4)" "$(flood_median "$l" 5)" "$(flood_median "$l" 6)"
  done
  echo
  v=$(ratio server flooded server token)
  if awk -v v="$v" -v t="$TARGET" 'BEGIN { exit !(v != "nan" && v >= t) }'; then echo "Target: token issuance keeps >= $(pct $TARGET) under the flood: $(pct "$v"), met."
  else MISSED=1; echo "Target: token issuance keeps >= $(pct $TARGET) under the flood: $(pct "$v"), **missed**."; fi
} >"$REPORT"
echo; cat "$REPORT"
[[ -z "$OUT" ]] || cp "$REPORT" "$OUT"
[[ $CHECK -eq 0 || $MISSED -eq 0 ]] || exit 1
