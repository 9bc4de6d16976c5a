// A server's migrations as GET /os-migrations shows them (2.80 fields, as
// admin), and waiting for the newest one to reach a state.
import assert from 'node:assert/strict';
import type { Cloud } from './cloud.js';
import { until } from './wait.js';

/** Every migration of a server (any type, any status), newest first. */
export async function listMigrations(c: Cloud, id: string): Promise<any[]> {
  const r = await c.req('admin', 'GET', `/os-migrations?instance_uuid=${id}`, { version: '2.80' });
  assert.equal(r.status, 200, r.text);
  return r.body.migrations;
}

/** The server's newest migration once `pred` holds for it. */
export async function waitNewestMigration(c: Cloud, id: string, pred: (m: any) => boolean): Promise<any> {
  const ms = await until(`migration of ${id}`, () => listMigrations(c, id), (l) => l.length > 0 && pred(l[0]));
  return ms[0];
}
