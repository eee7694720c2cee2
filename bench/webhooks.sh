#!/usr/bin/env bash
# Webhook delivery benchmark (issue 13, "Performance"): signed deliveries/s to one endpoint on loopback with at most 64
# in flight, through the engine's WebhookEndpointPlugin driven as the durable sink's consumer drives it, beside an
# unsigned HttpClient baseline against the same receiver in the same rounds (median of rounds; target >= 5,000/s).
#
#   bench/webhooks.sh                                  # 5 rounds of 20,000 events, envelope format
#   bench/webhooks.sh --events 50000 --rounds 5 --format cloudevents
#
# Options are passed to the benchmark: --events N, --rounds N, --in-flight N, --format envelope|cloudevents|cloudevents-structured.
# Exit status 1 when the target is missed.
set -euo pipefail
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROJECT="$REPO_DIR/bench/OAuth2.Actors.Benchmarks.Webhooks/OAuth2.Actors.Benchmarks.Webhooks.csproj"
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$REPO_DIR" rev-parse --short HEAD), $(nproc) CPUs, .NET $(dotnet --version)"
dotnet build -c Release "$PROJECT" -v q -nologo >/dev/null
exec dotnet run -c Release --no-build --project "$PROJECT" -- "$@"
