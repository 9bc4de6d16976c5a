#!/bin/sh
# Bundles the compiled command ($1/src/cli/main.js, $1 = dist by default)
# and the npm packages it uses into one module, $1/src/magnetar.js. Started
# from the bundle, Node reads and links one file instead of hundreds, which
# was most of a process's start-up. better-sqlite3 stays
# outside: it loads a native addon from its own directory.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist}
# Packages written as CommonJS call require(), which an ES module has not.
"$root/node_modules/.bin/esbuild" "$out/src/cli/main.js" --bundle --platform=node --format=esm \
  --external:better-sqlite3 --external:pg-native --log-level=warning \
  --banner:js="import { createRequire as createRequireForPackages } from 'node:module'; const require = createRequireForPackages(import.meta.url);" \
  --outfile="$out/src/magnetar.js"
