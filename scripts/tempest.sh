#!/bin/bash
# Runs Tempest's compute API tests (the selection in scripts/tempest/include.txt
# minus scripts/tempest/exclude.txt) against a fresh Magnetar: installs
# Tempest when missing, builds Magnetar, starts `magnetar serve` with its own
# data directory and ports, writes tempest.conf (dynamic credentials), runs
# with 2 workers and ends with "N passed, N failed[, N skipped]".
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
args=(--concurrency "${TEMPEST_CONCURRENCY:-2}" --exclude-list "$here/exclude.txt")
# stestr ORs a regex with an include list, so a narrower run replaces the list.
if [ -n "${TEMPEST_REGEX:-}" ]; then args+=(--regex "$TEMPEST_REGEX"); else args+=(--include-list "$here/include.txt"); fi
tempest run "${args[@]}" 2>&1 | tee "$work/tempest-run.log"
status=${PIPESTATUS[0]}

count() { grep -E "^ - $1: [0-9]+" "$work/tempest-run.log" | tail -n 1 | awk '{print $NF}'; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped); unexpected=$(count 'Unexpected Success')
failed=$(( ${failed:-0} + ${unexpected:-0} ))
if [ -z "$passed" ]; then
  echo "Tempest produced no summary (see $work/tempest-run.log)" >&2
  failed=$((failed > 0 ? failed : 1))
fi
stestr failing --list 2>/dev/null | sed 's/\[.*//' | sort -u >"$work/failing.txt"
stestr last --subunit 2>/dev/null | $py "$here/digest.py" >"$work/digest.txt" 2>&1
echo
echo "logs: $work/tempest-run.log, $ws/tempest.log, $work/magnetar.log"
echo "failing tests: $work/failing.txt; grouped by cause: $work/digest.txt"
echo "${passed:-0} passed, ${failed} failed, ${skipped:-0} skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "${passed:-0}" -gt 0 ]
