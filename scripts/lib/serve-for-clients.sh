# Sourced by scripts/tempest.sh and scripts/gophercloud.sh (bash): builds
# Magnetar privately and starts `magnetar serve` as the client suites expect
# it — three fake compute hosts and short delays, written by
# scripts/tempest/configure.py into $work — and waits until it is ready.
# Needs $root, $work and $py; sets $magnetar_pid and stops it on exit.

# $1: "1" to run the repository's dist/ as is instead of a private build;
# further arguments go to `magnetar serve` (e.g. --set section.option=value).
serve_for_clients() {
  # A private build: other runs (scripts/test.sh) delete and rebuild dist/ at will.
  local main="$root/dist/src/magnetar.js"
  if [ "${1:-}" != 1 ]; then
    local build="$work/build"
    rm -rf "$build/dist" "$build/tsbuildinfo"
    mkdir -p "$build"
    cp "$root/package.json" "$build/package.json"
    ln -sfn "$root/node_modules" "$build/node_modules"
    (cd "$root" && npx tsc -p tsconfig.json --outDir "$build/dist" --tsBuildInfoFile "$build/tsbuildinfo") ||
      echo "warning: TypeScript reported errors; running with what was emitted" >&2
    sh "$root/scripts/bundle.sh" "$build/dist" || exit 1
    main="$build/dist/src/magnetar.js"
  fi
  [ -f "$main" ] || { echo "$main missing: build failed" >&2; exit 1; }

  $py "$root/scripts/tempest/configure.py" magnetar "$work" >/dev/null || exit 1
  shift
  node "$main" serve --config "$work/magnetar.conf" "$@" >"$work/magnetar.log" 2>&1 &
  magnetar_pid=$!
  trap 'kill "$magnetar_pid" 2>/dev/null && wait "$magnetar_pid" 2>/dev/null' EXIT
  trap 'exit 130' INT TERM

  local i=0
  until grep -q '^Magnetar is ready' "$work/magnetar.log" 2>/dev/null; do
    if ! kill -0 "$magnetar_pid" 2>/dev/null; then
      echo "Magnetar did not start:" >&2; cat "$work/magnetar.log" >&2; exit 1
    fi
    i=$((i + 1)); [ $i -gt 300 ] && { echo "Magnetar did not become ready in 30 s" >&2; exit 1; }
    sleep 0.1
  done
  head -n 1 "$work/magnetar.log"
}
