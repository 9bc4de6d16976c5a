// The vCPUs and RAM of a server's current flavor, kept in columns beside the
// flavor's JSON so the cores and ram quotas are one SUM: written with every
// flavor, and filled from the flavors a database already had when they came.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDb } from '../../../src/db/connect.js';
import { insertInstance, updateInstance } from '../../../src/db/instances.js';
import { counterOf } from '../../../src/compute/quota-counters.js';
import type { NewInstance } from '../../../src/db/schema.js';
import { newInstanceRow } from './instance-rows.js';

const flavor = (vcpus: number, memory_mb: number): string => JSON.stringify({ id: 'f', name: 'f', vcpus, memory_mb, root_gb: 1, ephemeral_gb: 0, swap: 0, extra_specs: {} });

const server = (uuid: string, f: string, now: Date, vmState = 'active'): NewInstance => newInstanceRow(uuid, f, now, { vm_state: vmState });

it('sums the current flavors for the cores and ram quotas, through resizes and from a database that had none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-flavor-sizes-'));
  const file = join(dir, 'x.sqlite');
  let db = await openDb(`sqlite:///${file}`, dir);
  const count = async (): Promise<Readonly<Record<string, number>>> => (await counterOf('cores')!.count(db.kysely, { projectId: 'p1' })).project;
  try {
    const now = new Date();
    assert.deepEqual(await count(), { instances: 0, cores: 0, ram: 0 }, 'no servers: zeros, not nulls');
    await insertInstance(db.kysely, server('a', flavor(2, 512), now));
    await insertInstance(db.kysely, server('b', flavor(1, 256), now));
    await insertInstance(db.kysely, server('c', flavor(8, 8192), now, 'soft-delete'));
    assert.deepEqual(await count(), { instances: 2, cores: 3, ram: 768 }, 'a soft-deleted server does not count');
    assert.equal(await updateInstance(db.kysely, 'a', { flavor: flavor(4, 2048) }, now), true);
    assert.deepEqual(await count(), { instances: 2, cores: 5, ram: 2304 }, 'a resized server counts its new flavor');

    // A database from before the columns: they are filled from the flavors there.
    await sql`ALTER TABLE instances DROP COLUMN vcpus`.execute(db.kysely);
    await sql`ALTER TABLE instances DROP COLUMN memory_mb`.execute(db.kysely);
    await sql`DELETE FROM magnetar_migrations WHERE name = '023_instance_flavor_sizes'`.execute(db.kysely);
    await db.close();
    db = await openDb(`sqlite:///${file}`, dir);
    assert.deepEqual(await count(), { instances: 2, cores: 5, ram: 2304 });
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
