// Remote consoles: the console actions up to 2.5, POST remote-consoles from
// 2.6 (mks from 2.8, spice-direct from 2.99), Nova's faults for disabled
// protocols, wrong types, servers without a host or moving, and
// os-console-auth-tokens resolving the token a URL carries (admin, 2.31+).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setInstanceColumns } from '../support/db.js';

const NO_SERVER = '3b7c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';

describe('remote consoles', () => {
  let c: Cloud;
  let server: any;
  before(async () => {
    c = await startCloud({ overrides: ['spice.enabled=true', 'serial_console.enabled=true'] });
    server = await c.bootServer('demo');
  });
  after(async () => c?.stop());

  const create = (body: unknown, version = '2.6', id = server.id, user = 'demo') => c.req(user, 'POST', `/servers/${id}/remote-consoles`, { body, version });
  const tokenOf = (url: string): string => {
    const u = new URL(url);
    const path = u.searchParams.get('path');
    return path ? new URLSearchParams(path.slice(1)).get('token')! : u.searchParams.get('token')!;
  };

  it('gives a noVNC URL with a token the admin can resolve to the guest console', async () => {
    const r = await create({ remote_console: { protocol: 'vnc', type: 'novnc' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body.remote_console).sort(), ['protocol', 'type', 'url']);
    assert.match(r.body.remote_console.url, /^http:\/\/127\.0\.0\.1:6080\/vnc_auto\.html\?path=%3Ftoken%3D[0-9a-f-]{36}$/);
    const token = tokenOf(r.body.remote_console.url);
    const shown = await c.req('admin', 'GET', `/os-console-auth-tokens/${token}`, { version: '2.31' });
    assert.equal(shown.status, 200, shown.text);
    assert.deepEqual(shown.body.console, { instance_uuid: server.id, host: 'fakevncconsole.com', port: 6969, internal_access_path: shown.body.console.internal_access_path });
    assert.match(shown.body.console.internal_access_path, /^[0-9a-f-]{36}$/);
    // Only admins; before 2.31 the API served RDP tokens only, which are gone.
    assert.equal((await c.req('demo', 'GET', `/os-console-auth-tokens/${token}`, { version: '2.31' })).status, 403);
    assert.equal((await c.req('admin', 'GET', `/os-console-auth-tokens/${token}`, { version: '2.30' })).status, 400);
    const missing = await c.req('admin', 'GET', '/os-console-auth-tokens/not-a-token', { version: '2.31' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.itemNotFound.message, 'Token not found');
  });

  it('serves the other protocols where enabled, with their proxies\' URLs', async () => {
    const spice = await create({ remote_console: { protocol: 'spice', type: 'spice-html5' } });
    assert.match(spice.body.remote_console.url, /^http:\/\/127\.0\.0\.1:6082\/spice_auto\.html\?token=[0-9a-f-]{36}$/);
    const serial = await create({ remote_console: { protocol: 'serial', type: 'serial' } });
    assert.match(serial.body.remote_console.url, /^ws:\/\/127\.0\.0\.1:6083\/\?token=/);
    const direct = await create({ remote_console: { protocol: 'spice', type: 'spice-direct' } }, '2.99');
    assert.equal(direct.status, 200, direct.text);
    const t = await c.req('admin', 'GET', `/os-console-auth-tokens/${tokenOf(direct.body.remote_console.url)}`, { version: '2.99' });
    assert.deepEqual(t.body.console, { instance_uuid: server.id, host: 'fakespiceconsole.com', port: 6969, internal_access_path: null, tls_port: 6970 });
    assert.equal((await create({ remote_console: { protocol: 'spice', type: 'spice-direct' } }, '2.98')).status, 400);
  });

  it('answers Nova\'s faults: disabled protocol, wrong type, rdp, schema, no host, moving, not found', async () => {
    const mks = await create({ remote_console: { protocol: 'mks', type: 'webmks' } }, '2.8');
    assert.equal(mks.status, 400);
    assert.equal(mks.body.badRequest.message, 'Unavailable console type webmks.');
    assert.equal((await create({ remote_console: { protocol: 'mks', type: 'webmks' } }, '2.7')).status, 400);
    const wrong = await create({ remote_console: { protocol: 'vnc', type: 'serial' } });
    assert.equal(wrong.body.badRequest.message, 'Invalid console type serial');
    assert.equal((await create({ remote_console: { protocol: 'rdp', type: 'rdp-html5' } })).body.badRequest.message, 'Unavailable console type rdp.');
    assert.equal((await create({ remote_console: { protocol: 'vnc' } })).status, 400);
    assert.equal((await create({ remote_console: { protocol: 'vnc', type: 'novnc' } }, '2.6', NO_SERVER)).status, 404);
    assert.equal((await create({ remote_console: { protocol: 'vnc', type: 'novnc' } }, '2.5')).status, 404);

    await setInstanceColumns(c, server.id, { task_state: 'migrating' });
    try {
      const moving = await create({ remote_console: { protocol: 'vnc', type: 'novnc' } });
      assert.equal(moving.status, 409);
      assert.equal(moving.body.conflictingRequest.message, `Cannot 'get_vnc_console' instance ${server.id} while it is in task_state migrating`);
    } finally {
      await setInstanceColumns(c, server.id, { task_state: null });
    }
    const hostless = await c.bootServer('demo');
    await setInstanceColumns(c, hostless.id, { host: null });
    const notReady = await create({ remote_console: { protocol: 'vnc', type: 'novnc' } }, '2.6', hostless.id);
    assert.equal(notReady.status, 409);
    assert.equal(notReady.body.conflictingRequest.message, `Instance ${hostless.id} is not ready`);
  });

  it('keeps the console actions up to 2.5, and refuses the removed RDP one', async () => {
    const act = (body: unknown, version = '2.1') => c.req('demo', 'POST', `/servers/${server.id}/action`, { body, version });
    const vnc = await act({ 'os-getVNCConsole': { type: 'novnc' } });
    assert.equal(vnc.status, 200, vnc.text);
    assert.equal(vnc.body.console.type, 'novnc');
    assert.match(vnc.body.console.url, /vnc_auto\.html\?path=/);
    assert.equal((await act({ 'os-getVNCConsole': { type: 'xvpvnc' } })).body.badRequest.message, 'Invalid console type xvpvnc');
    assert.equal((await act({ 'os-getSPICEConsole': { type: 'spice-html5' } })).body.console.type, 'spice-html5');
    assert.equal((await act({ 'os-getSerialConsole': { type: 'serial' } })).body.console.type, 'serial');
    assert.equal((await act({ 'os-getRDPConsole': { type: 'rdp-html5' } })).status, 400);
    assert.equal((await act({ 'os-getVNCConsole': { type: 'novnc' } }, '2.6')).status, 404);
  });

  it('drops a deleted server\'s tokens', async () => {
    const s = await c.bootServer('demo');
    const url = (await create({ remote_console: { protocol: 'vnc', type: 'novnc' } }, '2.6', s.id)).body.remote_console.url;
    assert.equal((await c.req('admin', 'GET', `/os-console-auth-tokens/${tokenOf(url)}`, { version: '2.31' })).status, 200);
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    await c.waitServer(s.id, (x) => x.gone);
    assert.equal((await c.req('admin', 'GET', `/os-console-auth-tokens/${tokenOf(url)}`, { version: '2.31' })).status, 404);
  });
});
