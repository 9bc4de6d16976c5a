// Builds the virt driver a compute host runs, from configuration.
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { VirtDriver } from './driver.js';
import { FakeDriver } from './fake/driver.js';
import { parseFaultRule, type FaultRules } from './fake/faults.js';

export type VirtDriverKind = 'fake';

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
): VirtDriver {
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
  });
}
