#!/bin/bash
# Runs gophercloud's compute, image and networking acceptance tests (Debian's
# golang-github-gophercloud-gophercloud-dev, built with Debian's Go, offline)
# against a fresh Magnetar: installs both when missing, builds Magnetar
# privately, starts `magnetar serve` with its own data directory and ports,
# runs every test of acceptance/openstack/compute/v2, imageservice/v2 and
# networking/v2 (networks, subnets, ports, security groups, routers, floating
# IPs, address scopes, subnet pools, bindings, quotas)
# except those listed in scripts/gophercloud/skip.txt (each with its reason)
# and ends with "N passed, N failed, N skipped". Exits non-zero on any failure.
#
# Environment: GOPHERCLOUD_WORKDIR (keep everything there instead of a
# temporary directory), GOPHERCLOUD_RUN (a regex of tests to run instead of
# the selection), MAGNETAR_GOPHERCLOUD_NO_BUILD=1 (run the repo's dist/ as is).
# GOPHERCLOUD_PACKAGES (the acceptance packages to run instead of those).
[ -z "${BASH_VERSION:-}" ] && exec bash "$0" "$@"  # npm runs it with sh
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
py=/usr/bin/python3
here="$root/scripts/gophercloud"
base=github.com/gophercloud/gophercloud/acceptance/openstack
packages=${GOPHERCLOUD_PACKAGES:-"compute/v2 imageservice/v2 networking/v2 networking/v2/extensions networking/v2/extensions/layer3 networking/v2/extensions/mtu networking/v2/extensions/portsbinding networking/v2/extensions/quotas networking/v2/extensions/subnetpools"}
gopath=/usr/share/gocode

if ! command -v go >/dev/null 2>&1 || [ ! -d "$gopath/src/$base/compute/v2" ]; then
  echo "installing Go and gophercloud" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go golang-github-gophercloud-gophercloud-dev >&2 || exit 1
fi

if [ ! -d node_modules ] || { [ ! -L node_modules ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  npm ci --no-audit --no-fund --loglevel=error || exit 1
fi
work=${GOPHERCLOUD_WORKDIR:-$(mktemp -d /tmp/magnetar-gophercloud.XXXXXX)}
rm -rf "$work/data"
mkdir -p "$work"
echo "work directory: $work"

# The tests, from Debian's source tree: GOPATH mode, nothing fetched.
# The build tags each file carries all include "acceptance". Go needs a
# build cache even where there is no home directory.
GOCACHE=$(go env GOCACHE 2>/dev/null)
case "$GOCACHE" in ''|off) GOCACHE="$work/go-cache" ;; esac
export GOCACHE
for p in $packages; do
  GO111MODULE=off GOPATH=$gopath GOPROXY=off GOFLAGS= \
    go test -c -tags acceptance -o "$work/${p//\//-}.test" "$base/$p" || { echo "building the $p tests failed" >&2; exit 1; }
done

. "$root/scripts/lib/serve-for-clients.sh"
# gophercloud polls once a second and waits to see REBOOT and REBUILD:
# reboots and (re)builds here take as long as a small real guest's would.
serve_for_clients "${MAGNETAR_GOPHERCLOUD_NO_BUILD:-}" --set fake.power_delay=2.5 --set fake.spawn_delay=2.5

$py "$here/env.py" "$work" >"$work/env.sh" || exit 1
. "$work/env.sh"

# Go 1.19's test binaries have no -skip: run each package's tests minus skip.txt.
sed 's/#.*//' "$here/skip.txt" | awk 'NF {print $1}' | sort >"$work/skip-names.txt"
cd "$work"
: >"$work/go-test.log"
status=0
listed=0
for p in $packages; do
  binary="$work/${p//\//-}.test"
  if [ -n "${GOPHERCLOUD_RUN:-}" ]; then
    run=$GOPHERCLOUD_RUN
  else
    "$binary" -test.list '.*' | grep '^Test' | sort >"$work/all.txt"
    comm -23 "$work/all.txt" "$work/skip-names.txt" >"$work/selected.txt"
    listed=$((listed + $(comm -12 "$work/all.txt" "$work/skip-names.txt" | wc -l)))
    [ -s "$work/selected.txt" ] || continue
    run="^($(paste -sd'|' "$work/selected.txt"))\$"
  fi
  echo "=== $p"
  "$binary" -test.v -test.timeout 20m -test.run "$run" 2>&1 | tee -a "$work/go-test.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done

# Top-level results only (subtests are indented).
passed=$(grep -c '^--- PASS' "$work/go-test.log")
failed=$(grep -c '^--- FAIL' "$work/go-test.log")
skipped=$(grep -c '^--- SKIP' "$work/go-test.log")
$py "$here/digest.py" "$work/go-test.log" >"$work/digest.txt"
echo
echo "logs: $work/go-test.log, $work/magnetar.log"
if [ "$failed" -gt 0 ]; then
  echo "failures:"; cat "$work/digest.txt"
fi
echo "$passed passed, $failed failed, $((skipped + listed)) skipped ($skipped by the tests themselves, $listed listed in scripts/gophercloud/skip.txt)"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
