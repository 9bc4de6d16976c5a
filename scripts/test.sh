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

results=$(mktemp -d)
total_pass=0
total_fail=0
# The files that take longest start first (named here by the last measured
# runs): started last, one of them ran on alone while the other workers were
# done, which cost about half a minute of the end-to-end run.
SLOW_FIRST="chaos qemu-shared-path qemu-moves network qemu-guest admin-actions distributed-many-hosts concurrent-moves fuzz cold-migration crash-recovery move-races"
run() {
  label=$1; jobs=$2; shift 2
  all=$(find "$@" -name '*.test.js' 2>/dev/null | sort)
  [ -z "$all" ] && return 0
  files=""
  for slow in $SLOW_FIRST; do
    files="$files $(echo "$all" | grep "/$slow\.test\.js$")"
  done
  files="$files $(echo "$all" | grep -v -E "/($(echo $SLOW_FIRST | tr ' ' '|'))\.test\.js$")"
  echo "=== $label"
  started=$(date +%s)
  # shellcheck disable=SC2086
  node --test --test-concurrency="$jobs" --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$results/$label.tap" $files
  p=$(grep -E '^# pass ' "$results/$label.tap" | tail -n 1 | awk '{print $3}')
  f=$(grep -E '^# fail ' "$results/$label.tap" | tail -n 1 | awk '{print $3}')
  c=$(grep -E '^# cancelled ' "$results/$label.tap" | tail -n 1 | awk '{print $3}')
  total_pass=$((total_pass + ${p:-0}))
  total_fail=$((total_fail + ${f:-0} + ${c:-0}))
  echo "--- $label: ${p:-0} passed, ${f:-0} failed, ${c:-0} cancelled in $(( $(date +%s) - started )) s"
}

# The end-to-end files spend most of their time waiting on client processes
# and guests, so three run at once (two at a time kept about one of the two
# cores busy). The API files stay two at a time: their hosts' heartbeats and
# held migrations are timed, and three at once made them miss their beats now
# and then.
run unit 2 dist/test/unit
run api-sqlite 2 dist/test/api
export MAGNETAR_TEST_DB=postgres
run api-postgres 2 dist/test/api
unset MAGNETAR_TEST_DB
run e2e 3 dist/test/e2e

# The failures again at the end, with their messages, where a log's tail shows them.
if [ "$total_fail" -ne 0 ]; then
  echo
  echo "=== failures"
  for tap in "$results"/*.tap; do
    awk -v label="$(basename "$tap" .tap)" '
      /^ *not ok / { grab = 1; lines = 0; sub(/^ */, ""); print label ": " $0; next }
      grab && (/^ *\.\.\.$/ || /^ *stack: /) { grab = 0; next }
      grab && lines < 40 { print "    " $0; lines++ }
    ' "$tap"
  done
fi
echo
echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ] && [ "$total_pass" -gt 0 ]
