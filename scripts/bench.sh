#!/bin/sh
# Runs the benchmarks (not tests): ready time, read throughput and the
# administrative actions at size. Results go to bench/results/*.json and
# bench/RESULTS.md (scale: bench/SCALE.md; scale-distributed: bench/SCALE-DISTRIBUTED.md).
# Arguments pick a subset: ready, read, admin, qemu (real guests; skipped with the
# reason when QEMU is missing), scale, reads-at-size (bench/READS-AT-SIZE.md),
# scale-distributed (PostgreSQL and RabbitMQ on this machine).
#
# Builds privately (tsc into a temporary directory, as dist/ is laid out) so a
# concurrent test run that deletes and rebuilds dist/ cannot break a run.
# MAGNETAR_BENCH_NO_BUILD=1 runs the repository's dist/ as it is instead.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
# A node_modules linked from another checkout is that checkout's to update.
if [ ! -d node_modules ] || { [ ! -L node_modules ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  npm ci --no-audit --no-fund --loglevel=error || exit 1
fi
out="$root"
if [ "${MAGNETAR_BENCH_NO_BUILD:-}" != 1 ]; then
  out=$(mktemp -d /tmp/magnetar-bench-build.XXXXXX)
  trap 'rm -rf "$out"' EXIT
  cp package.json "$out/package.json"
  ln -s "$root/node_modules" "$out/node_modules"
  # Errors reported in files a benchmark does not load do not stop it.
  npx tsc -p tsconfig.json --outDir "$out/dist" --tsBuildInfoFile "$out/tsbuildinfo" ||
    echo "bench: TypeScript reported errors; running what it emitted" >&2
  sh scripts/bundle.sh "$out/dist" || exit 1
fi
[ -f "$out/dist/bench/main.js" ] && [ -f "$out/dist/src/magnetar.js" ] || { echo "bench: build output missing in $out/dist" >&2; exit 1; }
MAGNETAR_BENCH_REPO="$root" node "$out/dist/bench/main.js" "$@"
