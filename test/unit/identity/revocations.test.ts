// Revocations live in the database: a token revoked through one identity
// process is refused by another sharing the database (at once if it never
// saw the token, within the recheck time if it had), by a restarted one, and
// expired revocations are purged.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { IdentityStore } from '../../../src/identity/store.js';
import { ManualClock } from '../../../src/compute/clock.js';
import { openDb, type Db } from '../../../src/db/connect.js';
import { TokenRevocations } from '../../../src/identity/revocations.js';
import { startIdentity, login, post, type IdentityHarness } from './harness.js';

describe('token revocations shared through the database', () => {
  let db: Db;
  let clock: ManualClock;
  let a: IdentityHarness;
  let b: IdentityHarness;
  beforeEach(async () => {
    db = await openDb('sqlite:///:memory:', '.');
    clock = new ManualClock();
    a = await startIdentity(new IdentityStore(undefined, db, clock), 3600, { db, clock });
    b = await startIdentity(new IdentityStore(undefined, db, clock), 3600, { db, clock });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await db.close();
  });

  const validate = (h: IdentityHarness, token: string): Promise<Response> =>
    fetch(`${h.url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  const revoke = (h: IdentityHarness, token: string): Promise<Response> =>
    fetch(`${h.url}/v3/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  const asAdmin = async (h: IdentityHarness, subject: string): Promise<number> =>
    (await fetch(`${h.url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': await login(h.url, 'admin'), 'X-Subject-Token': subject } })).status;

  it('a token revoked through one process is refused at once by another that had not seen it', async () => {
    const t = await login(a.url, 'demo');
    assert.equal((await revoke(a, t)).status, 204);
    assert.equal(await asAdmin(a, t), 404);
    assert.equal(await asAdmin(b, t), 404);
    assert.equal((await validate(b, t)).status, 401);
  });

  it('a process that had just found the token valid refuses it once the recheck time has passed', async () => {
    const t = await login(a.url, 'demo');
    assert.equal((await validate(b, t)).status, 200);
    assert.equal((await revoke(a, t)).status, 204);
    clock.advance(1);
    assert.equal((await validate(b, t)).status, 401);
    assert.equal(await asAdmin(b, t), 404);
  });

  it('a restarted process refuses the token', async () => {
    const t = await login(a.url, 'demo');
    assert.equal((await revoke(a, t)).status, 204);
    await a.close();
    a = await startIdentity(new IdentityStore(undefined, db, clock), 3600, { db, clock });
    assert.equal((await validate(a, t)).status, 401);
    assert.equal(await asAdmin(a, t), 404);
  });

  it('revoking a token revokes those issued from it, everywhere, and it cannot be exchanged any more', async () => {
    const parent = await login(a.url, 'demo');
    const child = await post(`${a.url}/v3/auth/tokens`, { auth: { identity: { methods: ['token'], token: { id: parent } } } });
    assert.equal(child.status, 201);
    const childToken = child.headers.get('x-subject-token') ?? '';
    assert.equal((await revoke(a, parent)).status, 204);
    assert.equal(await asAdmin(b, childToken), 404);
    const exchange = await post(`${b.url}/v3/auth/tokens`, { auth: { identity: { methods: ['token'], token: { id: parent } } } });
    assert.equal(exchange.status, 401);
  });

  it('revoking twice is harmless, and revocations of expired tokens are purged', async () => {
    const revocations = new TokenRevocations(db, { clock });
    const t = await login(a.url, 'demo');
    const payload = a.signer.validate(t)!;
    await revocations.revoke(payload);
    await revocations.revoke(payload);
    const count = async (): Promise<number> => (await db.kysely.selectFrom('token_revocations').select('audit_id').execute()).length;
    assert.equal(await count(), 1);
    clock.advance(3601);
    const later = a.signer.issue({ userId: payload.userId, projectId: payload.projectId, roles: ['reader'] });
    await revocations.revoke(later.payload);
    const rows = await db.kysely.selectFrom('token_revocations').select('audit_id').execute();
    assert.deepEqual(rows.map((r) => r.audit_id), [later.payload.auditIds[0]]);
  });

  it('a burst of checks of one token makes one database read, and a token in steady use is re-read ahead of time', async () => {
    const payload = a.signer.validate(await login(a.url, 'demo'))!;
    let reads = 0;
    const counting = new Proxy(db.kysely, {
      get(target, prop) {
        if (prop === 'selectFrom') reads++;
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const counted = new TokenRevocations({ ...db, kysely: counting }, { clock });
    const answers = await Promise.all(Array.from({ length: 20 }, () => counted.isRevoked(payload)));
    assert.deepEqual(new Set(answers), new Set([false]));
    assert.equal(reads, 1);
    assert.equal(await counted.isRevoked(payload), false);
    assert.equal(reads, 1, 'within the recheck time the answer is reused');
    // Past half the recheck time: answered at once, read again behind the answer.
    clock.advance(0.6);
    assert.equal(await counted.isRevoked(payload), false);
    await new Promise((r) => setImmediate(r));
    assert.equal(reads, 2);
    clock.advance(0.6);
    assert.equal(await counted.isRevoked(payload), false);
    await new Promise((r) => setImmediate(r));
    assert.equal(reads, 3, 'the background read renewed the answer, so this check did not wait for one');
    // Unused for a full recheck time: the check waits for the database, and sees a revocation made elsewhere.
    await new TokenRevocations(db, { clock }).revoke(payload);
    clock.advance(1);
    assert.equal(await counted.isRevoked(payload), true);
  });
});
