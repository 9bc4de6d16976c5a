// What the tiny guest runs as PID 1: it loads the few kernel modules it needs
// (virtio disk, power button), mounts its root disk, prints a boot banner on
// the serial console, then once a second increments a counter it keeps on
// that disk and prints it. The ACPI power button makes it sync and power off
// cleanly, so a graceful stop is seen as one. Tests read these lines.

/** The line printed once the root disk is mounted: `<BOOT_BANNER> <counter>`. */
export const BOOT_BANNER = 'magnetar-tiny: booted, counter at';
/** Printed every second: `<COUNTER_LINE> <n>`. */
export const COUNTER_LINE = 'magnetar-tiny: counter';
/** Printed when the power button was pressed. */
export const POWER_DOWN_LINE = 'magnetar-tiny: power button pressed, powering off';
/** The counter file on the root disk. */
export const COUNTER_FILE = 'counter';

/** Kernel modules the guest loads, in an order that satisfies their dependencies. */
export const GUEST_MODULES = ['virtio_ring', 'virtio', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio_pci', 'virtio_blk', 'evdev', 'button'] as const;

export function initScript(): string {
  return `#!/bin/busybox sh
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in ${GUEST_MODULES.join(' ')}; do insmod /lib/modules/$m.ko 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /root
if ! mount -t ext4 /dev/vda /root; then
  echo "magnetar-tiny: cannot mount the root disk /dev/vda"
  exec sh
fi
acpid
n=$(cat /root/${COUNTER_FILE} 2>/dev/null || echo 0)
echo "${BOOT_BANNER} $n"
while true; do
  n=$((n + 1))
  echo $n > /root/${COUNTER_FILE}.new && mv /root/${COUNTER_FILE}.new /root/${COUNTER_FILE} && sync
  echo "${COUNTER_LINE} $n"
  sleep 1
done
`;
}

/** Run by busybox acpid on the power button (event PWRF/00000080). */
export function powerButtonScript(): string {
  return `#!/bin/sh
echo "${POWER_DOWN_LINE}" > /dev/console
sync
umount /root 2>/dev/null
poweroff -f
`;
}
