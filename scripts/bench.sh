#!/bin/sh
# Runs the benchmarks (not tests): ready time, read throughput and the
# administrative actions at size. Results go to bench/results/*.json and
# bench/RESULTS.md. Arguments pick a subset: ready, read, admin.
set -u
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || exit 1
fi
# Build; errors reported in files a benchmark does not load do not stop it.
npx tsc -p tsconfig.json || echo "bench: tsc reported errors; running what it emitted" >&2
[ -f dist/bench/main.js ] && [ -f dist/src/cli/main.js ] || { echo "bench: build output missing" >&2; exit 1; }
exec node dist/bench/main.js "$@"
