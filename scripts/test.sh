#!/bin/bash
# Runs every test: unit, HTTP contract tests on SQLite and on PostgreSQL,
# and end-to-end tests with the real OpenStack clients. Ends with
# "N passed, N failed" and exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
# A node_modules linked from another checkout is that checkout's to update.
if [ ! -d node_modules ] || { [ ! -L node_modules ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  npm ci --no-audit --no-fund --loglevel=error || exit 1
fi
sh scripts/ensure-services.sh || exit 1
sh scripts/install-clients.sh || exit 1
sh scripts/install-qemu.sh || exit 1
sh scripts/install-chromium.sh || exit 1
rm -rf dist
npx tsc -p tsconfig.json || exit 1
sh scripts/bundle.sh || exit 1

# Every file of every suite in one queue, a few at once, longest first: see
# test/run-suites.ts. MAGNETAR_TEST_JOBS sets how many files run at once.
exec node dist/test/run-suites.js "$@"
