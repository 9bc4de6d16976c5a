#!/bin/sh
# Installs Debian's Chromium, when it is missing, for the operator console's
# browser tests (driven headless through playwright-core).
set -e
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
fi
