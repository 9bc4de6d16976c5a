#!/bin/sh
# The crash campaign (test/chaos/campaign.ts): moves driven through the API
# while role processes (distributed) or simulated hosts (all-in-one) are
# killed at named crash points and brought back, with the audit after every
# round. Results go to bench/results/chaos.json and bench/CHAOS.md unless
# --out / --report say otherwise; other options: --rounds N (per mode,
# default 200), --seed N, --mode distributed|all-in-one|both, --servers N,
# --settle SECONDS, --parallel. Exits non-zero on any violation.
#
# Builds privately (as scripts/bench.sh does) so that a concurrent test run
# rebuilding dist/ cannot break a long campaign.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || exit 1
fi
sh scripts/ensure-services.sh || exit 1
out=$(mktemp -d /tmp/magnetar-chaos-build.XXXXXX)
trap 'rm -rf "$out"' EXIT
cp package.json "$out/package.json"
ln -s "$root/node_modules" "$out/node_modules"
npx tsc -p tsconfig.json --outDir "$out/dist" --tsBuildInfoFile "$out/tsbuildinfo" || exit 1
sh scripts/bundle.sh "$out/dist" || exit 1
node "$out/dist/test/chaos/campaign.js" --out bench/results/chaos.json --report bench/CHAOS.md "$@"
