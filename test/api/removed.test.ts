// APIs Nova removed answer 410 Gone at every version, for everyone, before
// any lookup or policy, with Nova's fault body.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { GONE_MESSAGE, REMOVED_ACTIONS, REMOVED_ROUTES } from '../../src/api/routes/removed.js';

const GONE = { computeFault: { code: 410, message: 'This resource is no longer available. No forwarding address is given.' } };
const SOME_ID = '9a3c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';

describe('removed APIs', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  const fill = (path: string) => path.replace(/:[a-z_]+/g, SOME_ID);

  it('uses webob\'s message for Gone', () => {
    assert.equal(GONE_MESSAGE, GONE.computeFault.message);
  });

  it('answers 410 to every method Nova still routes, at 2.1 and latest, for admins and members', async () => {
    for (const [path, methods] of REMOVED_ROUTES) {
      for (const method of methods) {
        for (const [user, version] of [['admin', '2.1'], ['demo', 'latest'], ['demo_reader', '2.60']] as const) {
          const body = method === 'POST' || method === 'PUT' ? { anything: 1 } : undefined;
          const r = await c.req(user, method, fill(path), { version, ...(body && { body }) });
          assert.equal(r.status, 410, `${method} ${path} as ${user} at ${version}: ${r.text}`);
          assert.deepEqual(r.body, GONE, `${method} ${path}`);
        }
      }
    }
  });

  it('answers 410 to the removed actions', async () => {
    for (const [path, names] of REMOVED_ACTIONS) {
      for (const name of names) {
        const r = await c.req('demo', 'POST', `${fill(path)}/action`, { body: { [name]: null } });
        assert.equal(r.status, 410, `${name}: ${r.text}`);
        assert.deepEqual(r.body, GONE);
      }
    }
  });

  it('the old consoles and virtual interfaces of a server are gone whether or not the server exists', async () => {
    const s = await c.bootServer('demo');
    for (const path of [`/servers/${s.id}/consoles`, `/servers/${s.id}/os-virtual-interfaces`, `/servers/${SOME_ID}/consoles/1`]) {
      const r = await c.req('alt_demo', 'GET', path);
      assert.equal(r.status, 410, path);
    }
  });

  it('needs a token like any other request', async () => {
    const r = await c.req('demo', 'GET', '/os-cells', { token: null });
    assert.equal(r.status, 401);
  });
});
