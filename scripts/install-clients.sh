#!/bin/sh
# Installs the real OpenStack clients the end-to-end tests drive, from
# Debian's packages, when they are missing.
set -e
need=""
command -v openstack >/dev/null 2>&1 || need="$need python3-openstackclient"
command -v nova >/dev/null 2>&1 || need="$need python3-novaclient"
if [ -n "$need" ]; then
  echo "installing$need" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >&2
fi
