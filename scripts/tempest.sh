#!/bin/bash
# Runs Tempest's compute API tests (the selection in scripts/tempest/include.txt
# minus scripts/tempest/exclude.txt) against a fresh Magnetar: installs
# Tempest when missing, builds Magnetar, starts `magnetar serve` with its own
# data directory and ports, writes tempest.conf (dynamic credentials), runs
# with 2 workers, then the tests in scripts/tempest/alone.txt on their own,
# and ends with "N passed, N failed[, N skipped]".
# Exits non-zero on any failure.
#
# Environment: TEMPEST_WORKDIR (keep everything there instead of a temporary
# directory), TEMPEST_REGEX (run the tests matching it instead of the selection),
# TEMPEST_CONCURRENCY (default 2), MAGNETAR_TEMPEST_NO_BUILD=1 (run the repo's dist/ as is instead of a private build).
[ -z "${BASH_VERSION:-}" ] && exec bash "$0" "$@"  # npm runs it with sh
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
py=/usr/bin/python3
here="$root/scripts/tempest"

if ! command -v tempest >/dev/null 2>&1 || ! $py -c 'import tempest' 2>/dev/null; then
  echo "installing tempest" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tempest python3-tempest >&2 || exit 1
fi

# A node_modules that links to another checkout's is that checkout's to keep
# up to date: `npm ci` here would empty it under everyone using it.
if [ ! -d node_modules ] || { [ ! -L node_modules ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  npm ci --no-audit --no-fund --loglevel=error || exit 1
fi
work=${TEMPEST_WORKDIR:-$(mktemp -d /tmp/magnetar-tempest.XXXXXX)}
rm -rf "$work/data" "$work/workspace" "$work/workspaces.yaml"
mkdir -p "$work"
echo "work directory: $work"

. "$root/scripts/lib/serve-for-clients.sh"
serve_for_clients "${MAGNETAR_TEMPEST_NO_BUILD:-}"

ws="$work/workspace"
tempest init --workspace-path "$work/workspaces.yaml" "$ws" >/dev/null 2>&1 || { echo "tempest init failed" >&2; exit 1; }
$py "$here/configure.py" tempest "$work" || exit 1

# stestr starts its workers with $PYTHON; Tempest's packages live in the system python.
export PYTHON=$py
cd "$ws"
# Tests that give a host a zone must not share the cloud with the other
# worker, whose servers may be on that host (Nova then refuses the change, and
# so does Magnetar): they run alone after the others.
# stestr ORs a regex with an include list, so a narrower run replaces the
# list, and runs the tests it names together, whatever alone.txt says.
if [ -n "${TEMPEST_REGEX:-}" ]; then
  args=(--regex "$TEMPEST_REGEX" --exclude-list "$here/exclude.txt")
else
  cat "$here/exclude.txt" "$here/alone.txt" >"$work/exclude-parallel.txt"
  args=(--include-list "$here/include.txt" --exclude-list "$work/exclude-parallel.txt")
fi
args+=(--concurrency "${TEMPEST_CONCURRENCY:-2}")
: >"$work/failing.txt"
: >"$work/digest.txt"
# One run: its output in $work/$1.log, its failures and their causes added to failing.txt and digest.txt.
run() {
  local log=$1
  shift
  tempest run "$@" 2>&1 | tee "$work/$log.log"
  local s=${PIPESTATUS[0]}
  stestr failing --list 2>/dev/null | sed 's/\[.*//' >>"$work/failing.txt"
  stestr last --subunit 2>/dev/null | $py "$here/digest.py" >>"$work/digest.txt" 2>&1
  return "$s"
}
run tempest-run "${args[@]}"
status=$?
logs=("$work/tempest-run.log")
if [ -z "${TEMPEST_REGEX:-}" ]; then
  run tempest-alone --serial --include-list "$here/alone.txt" --exclude-list "$here/exclude.txt" || status=1
  logs+=("$work/tempest-alone.log")
fi
sort -u -o "$work/failing.txt" "$work/failing.txt"

# A figure of a run's summary (" - Passed: N"), summed over the runs; empty when no run gave one.
count() {
  local n='' log v
  for log in "${logs[@]}"; do
    v=$(grep -E "^ - $1: [0-9]+" "$log" | tail -n 1 | awk '{print $NF}')
    [ -n "$v" ] && n=$(( ${n:-0} + v ))
  done
  echo "$n"
}
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped); unexpected=$(count 'Unexpected Success')
failed=$(( ${failed:-0} + ${unexpected:-0} ))
if [ -z "$passed" ]; then
  echo "Tempest produced no summary (see $work/tempest-run.log)" >&2
  failed=$((failed > 0 ? failed : 1))
fi
echo
echo "logs: ${logs[*]}, $ws/tempest.log, $work/magnetar.log"
echo "failing tests: $work/failing.txt; grouped by cause: $work/digest.txt"
echo "${passed:-0} passed, ${failed} failed, ${skipped:-0} skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "${passed:-0}" -gt 0 ]
