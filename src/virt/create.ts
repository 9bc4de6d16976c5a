// Builds the virt driver a compute host runs, from configuration.
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { VirtDriver } from './driver.js';
import { FakeDriver } from './fake/driver.js';
import { parseFaultRule, type FaultRules } from './fake/faults.js';
import { QemuDriver } from './qemu/driver.js';
import type { GuestImageSource } from './image-source.js';

export const VIRT_DRIVER_KINDS = ['fake', 'qemu'] as const;
export type VirtDriverKind = (typeof VIRT_DRIVER_KINDS)[number];

/** `[DEFAULT] compute_driver`, checked. */
export function computeDriverKind(conf: Config): VirtDriverKind {
  const kind = conf.str('DEFAULT', 'compute_driver').trim();
  // Nova's own spellings name the same drivers.
  const name = kind === 'libvirt.LibvirtDriver' ? 'qemu' : kind === 'fake.FakeDriver' ? 'fake' : kind;
  if (!(VIRT_DRIVER_KINDS as readonly string[]).includes(name)) {
    throw new Error(`[DEFAULT] compute_driver = ${kind}: unknown driver; use one of ${VIRT_DRIVER_KINDS.join(', ')}`);
  }
  return name as VirtDriverKind;
}

/** A qemu host's instances directory: `[DEFAULT] instances_path` with $host replaced, or state_path/instances/<host>. */
export function instancesDir(conf: Config, host: string): string {
  const safe = host.replace(/[^A-Za-z0-9._-]/g, '_');
  const configured = conf.str('DEFAULT', 'instances_path');
  if (configured === '') return join(conf.path('DEFAULT', 'state_path'), 'instances', safe);
  return conf.resolvePath(configured.replace(/\$\{?host\}?/g, safe));
}


// Config faults are added once per store: all simulated hosts of a process
// share one store, and a `*1` rule must fire once, not once per host.
const seeded = new WeakSet<FaultRules>();

/** Adds the `[fake] faults` rules to `faults` unless this store already has them. */
export function seedFaultsFromConfig(conf: Config, faults: FaultRules): void {
  if (seeded.has(faults)) return;
  const rules = conf.list('fake', 'faults').map(parseFaultRule);
  for (const r of rules) faults.add(r);
  seeded.add(faults);
}

/** File name of a host's guest table inside `stateDir`. */
export function fakeStateFileName(host: string): string {
  return `fake-${host.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

export function createVirtDriver(
  kind: VirtDriverKind,
  conf: Config,
  host: string,
  faults: FaultRules,
  stateDir?: string,
  images?: GuestImageSource,
  /** Milliseconds clock of the fake driver (uptime, live migration completion timeouts); the wall clock when absent. */
  now?: () => number,
  /** `stateDir`'s names when the process started, for a fake host's first start (see FakeDriverOptions). */
  stateFilesAtStart?: ReadonlySet<string>,
): VirtDriver {
  if (kind === 'qemu') {
    if (!images) throw new Error('the qemu driver needs an image source');
    const virtType = conf.str('qemu', 'virt_type');
    if (virtType !== 'qemu' && virtType !== 'kvm') throw new Error(`[qemu] virt_type = ${virtType}: use qemu or kvm`);
    return new QemuDriver({
      instancesDir: instancesDir(conf, host),
      images,
      virtType,
      binary: conf.str('qemu', 'emulator'),
      inventory: { vcpus: conf.num('qemu', 'vcpus'), memoryMb: conf.num('qemu', 'memory_mb'), localGb: conf.num('qemu', 'local_gb') },
      shutdownTimeout: conf.num('DEFAULT', 'shutdown_timeout'),
      softRebootTimeout: conf.num('qemu', 'wait_soft_reboot_seconds'),
      liveMigration: {
        inboundAddr: conf.str('qemu', 'live_migration_inbound_addr'),
        portMin: conf.num('qemu', 'migration_port_min'),
        portMax: conf.num('qemu', 'migration_port_max'),
        permitPostCopy: conf.bool('qemu', 'live_migration_permit_post_copy'),
      },
      // Hosts sharing one configuration share storage when their instances paths are one directory.
      sharesInstancesPathWith: (other) => instancesDir(conf, other) === instancesDir(conf, host),
    });
  }
  if (kind !== 'fake') throw new Error(`unknown virt driver '${String(kind)}'`);
  seedFaultsFromConfig(conf, faults);
  return new FakeDriver({
    inventory: {
      vcpus: conf.num('fake', 'vcpus'),
      memoryMb: conf.num('fake', 'memory_mb'),
      localGb: conf.num('fake', 'local_gb'),
    },
    delays: {
      spawn: conf.str('fake', 'spawn_delay'),
      destroy: conf.str('fake', 'destroy_delay'),
      power: conf.str('fake', 'power_delay'),
      migrate: conf.str('fake', 'migrate_delay'),
      liveMigration: conf.str('fake', 'live_migration_delay'),
      precheck: conf.str('fake', 'precheck_delay'),
    },
    liveMigrationHold: conf.bool('fake', 'live_migration_hold'),
    faults,
    ...(stateDir !== undefined ? { stateFile: join(stateDir, fakeStateFileName(host)) } : {}),
    ...(stateDir !== undefined && stateFilesAtStart !== undefined && { stateFilesAtStart }),
    ...(now !== undefined && { now }),
  });
}
