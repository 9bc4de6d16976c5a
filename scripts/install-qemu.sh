#!/bin/sh
# Installs what real guests need, from Debian's packages, when it is missing:
# QEMU and qemu-img (the qemu driver), busybox-static and e2fsprogs (the
# tiny guest `magnetar image build-tiny` makes).
set -e
need=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || need="$need qemu-system-x86"
command -v qemu-img >/dev/null 2>&1 || need="$need qemu-utils"
[ -x /bin/busybox ] || need="$need busybox-static"
command -v mke2fs >/dev/null 2>&1 || [ -x /sbin/mke2fs ] || need="$need e2fsprogs"
if [ -n "$need" ]; then
  echo "installing$need" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >&2
fi
