// /servers/{id}/os-server-password: the password kept in system metadata
// (chunks password_0…3, as a guest's post leaves it), '' when none, cleared
// by DELETE; readers read, members clear.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setInstanceColumns } from '../support/db.js';
import { passwordItems } from '../../src/compute/server-password.js';

const NO_SERVER = '3b7c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';

describe('os-server-password', () => {
  let c: Cloud;
  let server: any;
  before(async () => {
    c = await startCloud();
    server = await c.bootServer('demo');
  });
  after(async () => {
    await c.stop();
  });

  const path = () => `/servers/${server.id}/os-server-password`;

  it('is empty until the guest posts one', async () => {
    const r = await c.req('demo_reader', 'GET', path());
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { password: '' });
  });

  it('shows the stored chunks joined, and DELETE clears them, keeping other system metadata', async () => {
    const secret = 'x'.repeat(300) + 'y'.repeat(100);
    await setInstanceColumns(c, server.id, { system_metadata: JSON.stringify({ image_min_ram: '0', ...passwordItems(secret) }) });
    let r = await c.req('demo', 'GET', path());
    assert.deepEqual(r.body, { password: secret });
    r = await c.req('demo_reader', 'DELETE', path());
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-server-password:clear to be performed.");
    r = await c.req('demo', 'DELETE', path());
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.deepEqual((await c.req('demo', 'GET', path())).body, { password: '' });
    const row = await c.aio.base.db.kysely.selectFrom('instances').select('system_metadata').where('uuid', '=', server.id).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.system_metadata), { image_min_ram: '0', password_0: '', password_1: '', password_2: '', password_3: '' });
  });

  it('404s an unknown or another project\'s server', async () => {
    for (const [user, id] of [['demo', NO_SERVER], ['alt_demo', server.id]] as const) {
      for (const method of ['GET', 'DELETE']) {
        const r = await c.req(user, method, `/servers/${id}/os-server-password`);
        assert.equal(r.status, 404);
        assert.equal(r.body.itemNotFound.message, `Instance ${id} could not be found.`);
      }
    }
  });
});
