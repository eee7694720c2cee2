#!/usr/bin/env bash
# The server's CPU per request in configuration B against configuration A, measured against a fixed amount of work
# rather than the clock. Every client_credentials request signs one ES256 token in libcrypto, the same work in both,
# so the number of perf samples per libcrypto sample is the CPU per request in units of one ES256 signature:
# B / A - 1 is B's extra CPU per request whatever the machine's speed during each profile (here it changes by up to
# 40% for tens of seconds at a time, which /proc CPU ticks per request cannot tell from a cost).
#
#   bench/yardstick.sh --b-env OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:4318/v1/traces --b-env ...
#   bench/yardstick.sh --b-readers 10            # B: 10 readers of GET /events/stream
# Options: --rounds N (default 3), --seconds S (profile length, default 20), --warmup S (default 20),
#          --a-env KEY=VALUE, --b-env KEY=VALUE (repeatable; A defaults to OTEL_SDK_DISABLED=true), --b-readers N.
# Each round profiles A and B with bench/profile.sh (A then B in odd rounds, B then A in even ones); the result is the
# median over rounds of the per-round ratio. It measures the server alone: what receives its output (an OTLP
# receiver, stream readers) is not in the samples.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=3 SECONDS_=20 WARMUP=20 A_ENV=() B_ENV=() B_READERS=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="${2:?}"; shift 2 ;;
    --seconds) SECONDS_="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --a-env) A_ENV+=("${2:?}"); shift 2 ;;
    --b-env) B_ENV+=("${2:?}"); shift 2 ;;
    --b-readers) B_READERS="${2:?}"; shift 2 ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
[[ ${#A_ENV[@]} -gt 0 ]] || A_ENV=(OTEL_SDK_DISABLED=true)
[[ ${#B_ENV[@]} -gt 0 ]] || B_ENV=(OTEL_SDK_DISABLED=true)
OUT=$(mktemp -d "${TMPDIR:-/tmp}/oauth2-yardstick.XXXXXX")

# per_signature DIR: samples per libcrypto sample (the leaf frame in libcrypto or libssl) in DIR/perf.txt.
per_signature() {
  python3 - "$1/perf.txt" <<'EOF'
import re, sys
total = crypto = 0
for block in open(sys.argv[1]).read().split("\n\n"):
    lines = [l for l in block.split("\n") if l.strip()]
    if len(lines) < 2:
        continue
    total += 1
    crypto += bool(re.search(r"libcrypto|libssl", lines[1]))
print(f"{total / crypto:.4f} {total} {crypto}" if crypto else "nan 0 0")
EOF
}

profile() { # LABEL ROUND
  local label=$1 round=$2 args=() e dir
  if [[ $label == a ]]; then for e in "${A_ENV[@]}"; do args+=(--env "$e"); done
  else for e in "${B_ENV[@]}"; do args+=(--env "$e"); done; [[ $B_READERS -eq 0 ]] || args+=(--stream-readers "$B_READERS"); fi
  local build=(--no-build); [[ $round == 1 && $label == a ]] && build=()
  # Its status says nothing here (the leaf-symbol listing it ends with may end on a closed pipe); its perf.txt does.
  "$BENCH_DIR/profile.sh" --scenario token --warmup "$WARMUP" --seconds "$SECONDS_" --keep --top 1 "${build[@]}" "${args[@]}" >"$OUT/$label-$round.txt" 2>&1 || true
  dir=$(grep -o 'kept /[^ ]*' "$OUT/$label-$round.txt" | tail -1 | cut -d' ' -f2)
  [[ -s "$dir/perf.txt" ]] || { tail -n 5 "$OUT/$label-$round.txt" >&2; echo "no profile for $label in round $round" >&2; exit 1; }
  read -r ratio total crypto < <(per_signature "$dir")
  printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$round" "$ratio" "$total" "$crypto" >>"$OUT/results.tsv"
  echo "[$(date +%T)] $label round $round: $ratio samples per ES256 sample ($total samples, $crypto in libcrypto)"
  rm -rf "$dir"
}

for r in $(seq 1 "$ROUNDS"); do
  if (( r % 2 == 1 )); then profile a "$r"; profile b "$r"; else profile b "$r"; profile a "$r"; fi
done
echo
echo "A: ${A_ENV[*]}"
echo "B: ${B_ENV[*]}${B_READERS:+ (stream readers: $B_READERS)}"
awk -F'\t' '{ v[$1, $2] = $3 } END { for (r = 1; r <= '"$ROUNDS"'; r++) if (v["a", r] > 0) print v["b", r] / v["a", r] }' "$OUT/results.tsv" | sort -g |
  awk '{ x[NR] = $1; printf "round ratio %.3f\n", $1 } END { m = (NR % 2) ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2; printf "B vs A, server CPU per request (median of %d rounds): %+.1f%%\n", NR, 100 * (m - 1) }'
echo "(profiles' output in $OUT)"
