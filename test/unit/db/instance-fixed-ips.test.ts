// The fixed addresses of the network info caches, kept beside them for the
// ip filters: written with every cache, replaced when it changes, and filled
// from the caches a database already had when the table came.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDb } from '../../../src/db/connect.js';
import { saveInfoCache, serversWithAddress } from '../../../src/db/info-caches.js';
import type { NetworkInfo } from '../../../src/compute/neutron/network-info.js';

const vif = (...ips: Array<[string, 4 | 6]>): NetworkInfo[number] =>
  ({ id: 'p', address: 'fa:16:3e:00:00:01', network: { id: 'n', label: 'private', subnets: ips.map(([address, version]) => ({ cidr: '', ips: [{ address, version, type: 'fixed', floating_ips: [] }] })) } }) as unknown as NetworkInfo[number];

it('keeps each server\'s fixed addresses with its cache, and the ip filters find them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-fixed-ips-'));
  const file = join(dir, 'x.sqlite');
  let db = await openDb(`sqlite:///${file}`, dir);
  try {
    const now = new Date();
    await saveInfoCache(db.kysely, 'a', { networkInfo: [vif(['10.0.0.5', 4], ['fd00::5', 6])], securityGroups: [] }, now);
    await saveInfoCache(db.kysely, 'b', { networkInfo: [vif(['10.0.0.50', 4])], securityGroups: [] }, now);
    await saveInfoCache(db.kysely, 'c', { networkInfo: [vif(['192.168.0.5', 4])], securityGroups: [] }, now);
    const find = async (v: 4 | 6, e: string): Promise<string[]> => [...(await serversWithAddress(db.kysely, v, e))].sort();
    assert.deepEqual(await find(4, '10.0.0.5'), ['a', 'b'], 'matched from the start, as a prefix');
    assert.deepEqual(await find(4, '10\\.0\\.0\\.5$'), ['a']);
    assert.deepEqual(await find(4, '1.2'), ['c'], 'a dot is any character: 192 matches');
    assert.deepEqual(await find(6, 'fd00'), ['a']);
    assert.deepEqual(await find(4, '('), [], 'an expression that does not compile matches nothing');
    await saveInfoCache(db.kysely, 'a', { networkInfo: [], securityGroups: [] }, now);
    assert.deepEqual(await find(4, '10.0.0.5'), ['b'], 'a changed cache replaces the addresses');

    // A database from before the table: the addresses are taken from the caches there.
    await sql`DROP TABLE instance_fixed_ips`.execute(db.kysely);
    await sql`DELETE FROM magnetar_migrations WHERE name = '022_instance_fixed_ips'`.execute(db.kysely);
    await db.close();
    db = await openDb(`sqlite:///${file}`, dir);
    assert.deepEqual(await find(4, '1'), ['b', 'c']);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
