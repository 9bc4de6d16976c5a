// /os-keypairs: create (generated ssh and x509 keys, imports), the body per
// microversion, name rules, duplicates, list with paging, show, delete, the
// 2.10 user_id for admins, policy, and key_name at server create.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';

// The key Tempest imports (test_keypair_create_with_pub_key) and its MD5
// fingerprint as `ssh-keygen -l -E md5` prints it.
const TEMPEST_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCsNe3/1ILNCqFyfYWDeTKLD6jEXC2OQHLmietMWW+/vdaZq7KZEwO0jhglaFjU1mpqq4Gz5RX156sCTNM9vRbwKAxfsdF9laBYVsex3m3Wmui3uYrKyumsoJn2g9GNnG1PI1mrVjZ61i0GY3khna+wzlTpCCmy5HNlrmbj3XLqBUpipTOXmsnr4sChzC53KCd8LXuwc1i/CZPvF+3XipvAgFSE53pCtLOeB1kYMOBaiUPLQTWXR3JpckqFIQwhIH0zoHlJvZE8hh90XcPojYN56tI0OlrGqojbediJYD0rUsJu4weZpbn8vilb3JuDY+jwssnSA8wzBx3A/8y9Pp1B nova@ubuntu';
const TEMPEST_FP = '61:5f:fe:c7:e0:fd:d7:4a:2b:52:6e:a6:f5:bf:da:27';
const INVALID_NAME = "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.";
const BAD_SSH = 'Keypair data is invalid: failed to generate fingerprint';

const keys = (o: object) => Object.keys(o).sort();
const md5Colon = (b: Buffer) => createHash('md5').update(b).digest('hex').match(/../g)!.join(':');
const sha1Colon = (b: Buffer) => createHash('sha1').update(b).digest('hex').match(/../g)!.join(':');

function sshString(b: Buffer): Buffer {
  const l = Buffer.alloc(4);
  l.writeUInt32BE(b.length);
  return Buffer.concat([l, b]);
}

/** An ed25519 public key in OpenSSH form, made here without ssh-keygen. */
function ed25519OpenSsh(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return `ssh-ed25519 ${Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(x)]).toString('base64')} me@laptop`;
}

/** An ECDSA P-384 public key in OpenSSH form (what Tempest sends with ssh_key_type = ecdsa). */
function ecdsaOpenSsh(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  const blob = Buffer.concat([sshString(Buffer.from('ecdsa-sha2-nistp384')), sshString(Buffer.from('nistp384')), sshString(point)]);
  return `ecdsa-sha2-nistp384 ${blob.toString('base64')}`;
}

let seq = 0;
const uniq = (p = 'kp') => `${p}-${process.pid}-${++seq}`;

describe('os-keypairs', () => {
  let c: Cloud;
  const uid: Record<string, string> = {};
  before(async () => {
    c = await startCloud();
    for (const u of ['admin', 'demo', 'alt_demo']) {
      const t = await c.token(u);
      const r = await fetch(`${c.identityUrl}/v3/auth/tokens`, { headers: { 'X-Auth-Token': t, 'X-Subject-Token': t } });
      uid[u] = ((await r.json()) as any).token.user.id;
    }
  });
  after(async () => {
    await c.stop();
  });

  const create = (user: string, keypair: Record<string, unknown>, version = '2.2') => c.req(user, 'POST', '/os-keypairs', { body: { keypair }, version });
  const names = (r: any) => r.body.keypairs.map((k: any) => k.keypair.name);

  describe('create', () => {
    it('generates an RSA key below 2.2: 200, private key, OpenSSH public key with its MD5 fingerprint, no type', async () => {
      const name = uniq();
      const r = await create('demo', { name }, '2.1');
      assert.equal(r.status, 200, r.text);
      const kp = r.body.keypair;
      assert.deepEqual(keys(kp), ['fingerprint', 'name', 'private_key', 'public_key', 'user_id']);
      assert.equal(kp.name, name);
      assert.equal(kp.user_id, uid['demo']);
      assert.match(kp.public_key, /^ssh-rsa [A-Za-z0-9+/]+=* Generated-by-Nova$/);
      assert.equal(kp.fingerprint, md5Colon(Buffer.from(kp.public_key.split(' ')[1], 'base64')));
      assert.match(kp.private_key, /^-----BEGIN RSA PRIVATE KEY-----\n/);
      // The private key is the other half of the public one.
      const n = Buffer.from(createPublicKey(createPrivateKey(kp.private_key)).export({ format: 'jwk' }).n!, 'base64url');
      assert.ok(Buffer.from(kp.public_key.split(' ')[1], 'base64').includes(n), 'public key carries the private key modulus');
    });

    it('answers 201 with type from 2.2; an x509 key is a self-signed certificate for the user with a PKCS#12 private key', async () => {
      let r = await create('demo', { name: uniq() });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.keypair.type, 'ssh');
      assert.deepEqual(keys(r.body.keypair), ['fingerprint', 'name', 'private_key', 'public_key', 'type', 'user_id']);

      r = await create('demo', { name: uniq(), type: 'x509' });
      assert.equal(r.status, 201, r.text);
      const kp = r.body.keypair;
      assert.equal(kp.type, 'x509');
      const cert = new X509Certificate(kp.public_key);
      assert.equal(cert.subject, `CN=${uid['demo']}`);
      assert.ok(cert.verify(cert.publicKey), 'self-signed');
      assert.equal(kp.fingerprint, sha1Colon(cert.raw));
      const p12 = Buffer.from(kp.private_key, 'base64');
      assert.equal(p12[0], 0x30, 'DER PKCS#12');
      assert.equal(p12.toString('base64'), kp.private_key);
    });

    it('imports an ssh public key as given: no private key, the fingerprint ssh-keygen shows', async () => {
      const name = uniq();
      let r = await create('demo', { name, public_key: TEMPEST_KEY }, '2.1');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(keys(r.body.keypair), ['fingerprint', 'name', 'public_key', 'user_id']);
      assert.equal(r.body.keypair.public_key, TEMPEST_KEY);
      assert.equal(r.body.keypair.fingerprint, TEMPEST_FP);
      for (const key of [ed25519OpenSsh(), ecdsaOpenSsh()]) {
        r = await create('demo', { name: uniq(), public_key: key });
        assert.equal(r.status, 201, r.text);
        assert.equal(r.body.keypair.fingerprint, md5Colon(Buffer.from(key.split(' ')[1]!, 'base64')));
      }
    });

    it('reads the key as Nova does: a trailing newline or no comment is fine, the fingerprint is of the key data', async () => {
      const data = TEMPEST_KEY.split(' ')[1]!;
      for (const public_key of [`ssh-rsa ${data}\n`, `ssh-rsa ${data}\r\n`, `ssh-rsa ${data}`, `ssh-rsa ${data} comment\n`]) {
        const r = await create('demo', { name: uniq(), public_key });
        assert.equal(r.status, 201, `${JSON.stringify(public_key.slice(-12))}: ${r.text}`);
        assert.equal(r.body.keypair.fingerprint, TEMPEST_FP);
        assert.equal(r.body.keypair.public_key, public_key, 'stored as given');
      }
      // A FIDO security-key ed25519 key, as `ssh-keygen -t ed25519-sk` writes it.
      const x = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!, 'base64url');
      const type = Buffer.from('sk-ssh-ed25519@openssh.com');
      const blob = Buffer.concat([sshString(type), sshString(x), sshString(Buffer.from('ssh:'))]);
      const r = await create('demo', { name: uniq(), public_key: `${type} ${blob.toString('base64')}\n` });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.keypair.fingerprint, md5Colon(blob));
      // What comes before the key type, or a key cut short, is still refused.
      for (const public_key of [`\nssh-rsa ${data}`, ` ssh-rsa ${data}`, `ssh-rsa ${data.slice(0, -8)}\n`]) {
        const bad = await create('demo', { name: uniq(), public_key });
        assert.equal(bad.status, 400, `${JSON.stringify(public_key.slice(0, 12))}: ${bad.text}`);
        assert.equal(bad.body.badRequest.message, BAD_SSH);
      }
    });

    it('imports an x509 certificate with its SHA-1 fingerprint', async () => {
      const made = (await create('demo', { name: uniq(), type: 'x509' })).body.keypair;
      const r = await create('alt_demo', { name: uniq(), type: 'x509', public_key: made.public_key });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.keypair.fingerprint, made.fingerprint);
      assert.equal(r.body.keypair.private_key, undefined);
    });

    it('refuses public keys that are not keys, and stores nothing', async () => {
      const bad = ['ssh-rsa JUNK nova@ubuntu', ' ', `ssh-rsa ${'A'.repeat(2048)} openstack@ubuntu`, 'ssh-rsa', TEMPEST_KEY.replace('ssh-rsa', 'ssh-dss'), TEMPEST_KEY.replace(' ', '\t')];
      for (const public_key of bad) {
        const name = uniq();
        const r = await create('demo', { name, public_key });
        assert.equal(r.status, 400, `${public_key}: ${r.text}`);
        assert.equal(r.body.badRequest.message, BAD_SSH);
        assert.equal((await c.req('demo', 'GET', `/os-keypairs/${name}`)).status, 404);
      }
      const r = await create('demo', { name: uniq(), type: 'x509', public_key: TEMPEST_KEY });
      assert.equal(r.status, 400);
      assert.match(r.body.badRequest.message, /^Keypair data is invalid: failed to generate X509 fingerprint\. Error message: /);
    });

    it('checks names: format first, then length and alphabet (wider from 2.92)', async () => {
      const cases: Array<[string, string, string]> = [
        ['', '2.1', "Invalid input for field/attribute name. Value: . '' is too short"],
        ['keypair-'.padEnd(260, '0'), '2.1', `Invalid input for field/attribute name. Value: ${'keypair-'.padEnd(260, '0')}. '${'keypair-'.padEnd(260, '0')}' is too long`],
        ['key_/.\\@:', '2.1', "Invalid input for field/attribute name. Value: key_/.\\@:. 'key_/.\\\\@:' does not match '^[_\\\\- a-zA-Z0-9]+$'"],
        [' lead', '2.1', INVALID_NAME],
        ['trail ', '2.92', INVALID_NAME],
        ['tab\there', '2.1', INVALID_NAME],
        ['a@b.c', '2.91', "Invalid input for field/attribute name. Value: a@b.c. 'a@b.c' does not match '^[_\\\\- a-zA-Z0-9]+$'"],
      ];
      for (const [name, version, message] of cases) {
        const r = await create('demo', { name, public_key: TEMPEST_KEY }, version);
        assert.equal(r.status, 400, `${JSON.stringify(name)}: ${r.text}`);
        assert.equal(r.body.badRequest.message, message);
      }
      const r = await create('demo', { name: `with space_and-dash ${seq}`, public_key: TEMPEST_KEY }, '2.1');
      assert.equal(r.status, 200, r.text);
      const at = await create('demo', { name: `a@b.c-${seq}`, public_key: TEMPEST_KEY }, '2.92');
      assert.equal(at.status, 201, at.text);
    });

    it('takes type from 2.2, user_id from 2.10, and needs public_key from 2.92', async () => {
      let name = uniq();
      let r = await create('demo', { name, type: 'ssh' }, '2.1');
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, `Invalid input for field/attribute keypair. Value: {'name': '${name}', 'type': 'ssh'}. Additional properties are not allowed ('type' was unexpected)`);
      r = await create('demo', { name: uniq(), type: 'rsa' });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, "Invalid input for field/attribute type. Value: rsa. 'rsa' is not one of ['ssh', 'x509']");
      r = await create('admin', { name: uniq(), user_id: uid['demo'] }, '2.9');
      assert.equal(r.status, 400);
      assert.match(r.body.badRequest.message, /^Invalid input for field\/attribute keypair\. Value: \{.*\}\. Additional properties are not allowed \('user_id' was unexpected\)$/);
      name = uniq();
      r = await create('demo', { name }, '2.92');
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, `Invalid input for field/attribute keypair. Value: {'name': '${name}'}. 'public_key' is a required property`);
      r = await create('demo', { name: uniq(), public_key: TEMPEST_KEY }, '2.92');
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(keys(r.body.keypair), ['fingerprint', 'name', 'public_key', 'type', 'user_id']);
      r = await c.req('demo', 'POST', '/os-keypairs', { body: { name: 'x' }, version: '2.2' });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, "'keypair' is a required property");
    });

    it('lets an admin create for another user from 2.10; others get 403', async () => {
      const name = uniq();
      let r = await create('admin', { name, user_id: uid['demo'], type: 'ssh' }, '2.10');
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.keypair.user_id, uid['demo']);
      assert.ok(names(await c.req('demo', 'GET', '/os-keypairs', { version: '2.10' })).includes(name));
      assert.ok(!names(await c.req('admin', 'GET', '/os-keypairs', { version: '2.10' })).includes(name));
      r = await create('demo', { name: uniq(), user_id: uid['alt_demo'] }, '2.10');
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-keypairs:create to be performed.");
      // Naming oneself, or an empty user_id, is the caller.
      r = await create('demo', { name: uniq(), user_id: uid['demo'], public_key: TEMPEST_KEY }, '2.10');
      assert.equal(r.status, 201);
      r = await create('demo', { name: uniq(), user_id: '', public_key: TEMPEST_KEY }, '2.10');
      assert.equal(r.status, 201);
      assert.equal(r.body.keypair.user_id, uid['demo']);
    });

    it('refuses a second keypair of the same name for a user (409), even when created at once; other users may reuse it', async () => {
      const name = uniq();
      let r = await create('demo', { name, public_key: TEMPEST_KEY });
      assert.equal(r.status, 201);
      r = await create('demo', { name });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Key pair '${name}' already exists.`);
      r = await create('alt_demo', { name, public_key: TEMPEST_KEY });
      assert.equal(r.status, 201, r.text);

      const racing = uniq();
      const all = await Promise.all(Array.from({ length: 6 }, () => create('demo', { name: racing, public_key: TEMPEST_KEY })));
      assert.deepEqual(all.map((x) => x.status).sort(), [201, 409, 409, 409, 409, 409]);
      const listed = names(await c.req('demo', 'GET', '/os-keypairs')).filter((n: string) => n === racing);
      assert.equal(listed.length, 1);
    });
  });

  describe('list', () => {
    let u: string;
    const own: string[] = [];
    before(async () => {
      // A user with nothing else: alt_demo's keys from other tests are counted in.
      u = 'alt_demo';
      for (const n of ['pg-c', 'pg-a', 'pg-e', 'pg-b', 'pg-d']) {
        const r = await create(u, { name: n, public_key: TEMPEST_KEY });
        assert.equal(r.status, 201, r.text);
      }
      own.push(...names(await c.req(u, 'GET', '/os-keypairs', { version: '2.35' })));
    });

    it('shows only the caller\'s keypairs, sorted by name, with type from 2.2', async () => {
      let r = await c.req(u, 'GET', '/os-keypairs', { version: '2.1' });
      assert.equal(r.status, 200);
      assert.deepEqual(keys(r.body), ['keypairs']);
      for (const k of r.body.keypairs) assert.deepEqual(keys(k.keypair), ['fingerprint', 'name', 'public_key']);
      const got = names(r);
      assert.deepEqual(got, [...got].sort());
      assert.ok(['pg-a', 'pg-b', 'pg-c', 'pg-d', 'pg-e'].every((n) => got.includes(n)));
      r = await c.req(u, 'GET', '/os-keypairs', { version: '2.2' });
      for (const k of r.body.keypairs) assert.deepEqual(keys(k.keypair), ['fingerprint', 'name', 'public_key', 'type']);
      const demo = names(await c.req('demo', 'GET', '/os-keypairs'));
      assert.ok(!demo.includes('pg-a'));
    });

    it('pages from 2.35 with limit and marker and a next link only when the page is full', async () => {
      let r = await c.req(u, 'GET', '/os-keypairs?limit=2', { version: '2.35' });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(names(r), own.slice(0, 2));
      assert.equal(r.body.keypairs_links.length, 1);
      const next = new URL(r.body.keypairs_links[0].href);
      assert.equal(r.body.keypairs_links[0].rel, 'next');
      assert.match(next.pathname, /\/v2\.1\/os-keypairs$/);
      assert.equal(next.searchParams.get('limit'), '2');
      assert.equal(next.searchParams.get('marker'), own[1]);
      r = await c.req(u, 'GET', `/os-keypairs?limit=2&marker=${encodeURIComponent(own[1]!)}`, { version: '2.35' });
      assert.deepEqual(names(r), own.slice(2, 4));
      r = await c.req(u, 'GET', `/os-keypairs?marker=${encodeURIComponent(own[own.length - 2]!)}`, { version: '2.35' });
      assert.deepEqual(names(r), own.slice(-1));
      assert.equal(r.body.keypairs_links, undefined);
      r = await c.req(u, 'GET', '/os-keypairs?limit=0', { version: '2.35' });
      assert.deepEqual(r.body, { keypairs: [] });
      r = await c.req(u, 'GET', '/os-keypairs?marker=nope', { version: '2.35' });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Marker nope could not be found.');
      r = await c.req(u, 'GET', '/os-keypairs?limit=-1', { version: '2.35' });
      assert.equal(r.status, 400);
      // Before 2.35 paging parameters are ignored.
      r = await c.req(u, 'GET', '/os-keypairs?limit=1&marker=nope', { version: '2.34' });
      assert.equal(r.status, 200);
      assert.deepEqual(names(r), own);
      assert.equal(r.body.keypairs_links, undefined);
    });

    it('lists another user\'s keypairs for an admin from 2.10; user_id is ignored before; others get 403', async () => {
      let r = await c.req('admin', 'GET', `/os-keypairs?user_id=${uid[u]}`, { version: '2.10' });
      assert.equal(r.status, 200);
      assert.deepEqual(names(r), own);
      r = await c.req('admin', 'GET', `/os-keypairs?user_id=${uid[u]}`, { version: '2.9' });
      assert.ok(!names(r).includes('pg-a'));
      r = await c.req('demo', 'GET', `/os-keypairs?user_id=${uid[u]}`, { version: '2.10' });
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-keypairs:index to be performed.");
      r = await c.req('demo', 'GET', `/os-keypairs?user_id=${uid[u]}`, { version: '2.9' });
      assert.equal(r.status, 200);
    });

    it('refuses unknown query parameters from 2.75 only', async () => {
      let r = await c.req(u, 'GET', '/os-keypairs?foo=1', { version: '2.74' });
      assert.equal(r.status, 200);
      r = await c.req(u, 'GET', '/os-keypairs?foo=1', { version: '2.75' });
      assert.equal(r.status, 400);
      assert.match(r.body.badRequest.message, /'foo' was unexpected/);
      r = await c.req(u, 'GET', '/os-keypairs/pg-a?foo=1', { version: '2.75' });
      assert.equal(r.status, 400);
      r = await c.req(u, 'DELETE', '/os-keypairs/pg-a?foo=1', { version: '2.75' });
      assert.equal(r.status, 400);
      assert.equal((await c.req(u, 'GET', '/os-keypairs/pg-a')).status, 200);
    });
  });

  describe('show', () => {
    it('shows the record fields, type from 2.2; a name of no keypair of the user is 404', async () => {
      const name = uniq('show me');
      await create('demo', { name, public_key: TEMPEST_KEY, type: 'ssh' });
      let r = await c.req('demo', 'GET', `/os-keypairs/${encodeURIComponent(name)}`, { version: '2.1' });
      assert.equal(r.status, 200, r.text);
      const kp = r.body.keypair;
      assert.deepEqual(keys(kp), ['created_at', 'deleted', 'deleted_at', 'fingerprint', 'id', 'name', 'public_key', 'updated_at', 'user_id']);
      assert.equal(kp.name, name);
      assert.equal(kp.deleted, false);
      assert.equal(kp.deleted_at, null);
      assert.equal(kp.updated_at, null);
      assert.equal(typeof kp.id, 'number');
      assert.equal(kp.user_id, uid['demo']);
      assert.equal(kp.fingerprint, TEMPEST_FP);
      assert.match(kp.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
      r = await c.req('demo', 'GET', `/os-keypairs/${encodeURIComponent(name)}`, { version: '2.2' });
      assert.equal(r.body.keypair.type, 'ssh');

      r = await c.req('alt_demo', 'GET', `/os-keypairs/${encodeURIComponent(name)}`);
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, `Keypair ${name} not found for user ${uid['alt_demo']}`);
      r = await c.req('admin', 'GET', `/os-keypairs/${encodeURIComponent(name)}?user_id=${uid['demo']}`, { version: '2.10' });
      assert.equal(r.status, 200);
      r = await c.req('admin', 'GET', `/os-keypairs/${encodeURIComponent(name)}?user_id=${uid['demo']}`, { version: '2.9' });
      assert.equal(r.status, 404);
      r = await c.req('alt_demo', 'GET', `/os-keypairs/${encodeURIComponent(name)}?user_id=${uid['demo']}`, { version: '2.10' });
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-keypairs:show to be performed.");
    });
  });

  describe('delete', () => {
    it('answers 202 below 2.2 and 204 from 2.2, and the keypair is gone', async () => {
      const a = uniq();
      const b = uniq();
      await create('demo', { name: a, public_key: TEMPEST_KEY });
      await create('demo', { name: b, public_key: TEMPEST_KEY });
      let r = await c.req('demo', 'DELETE', `/os-keypairs/${a}`, { version: '2.1' });
      assert.equal(r.status, 202);
      assert.equal(r.text, '');
      r = await c.req('demo', 'DELETE', `/os-keypairs/${b}`, { version: '2.2' });
      assert.equal(r.status, 204);
      assert.equal((await c.req('demo', 'GET', `/os-keypairs/${a}`)).status, 404);
      r = await c.req('demo', 'DELETE', `/os-keypairs/${b}`, { version: '2.2' });
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, `Keypair ${b} not found for user ${uid['demo']}`);
      // The name is free again.
      assert.equal((await create('demo', { name: b, public_key: TEMPEST_KEY })).status, 201);
    });

    it('lets an admin delete another user\'s keypair from 2.10; others get 403 and nothing changes', async () => {
      const name = uniq();
      await create('demo', { name, public_key: TEMPEST_KEY });
      let r = await c.req('alt_demo', 'DELETE', `/os-keypairs/${name}?user_id=${uid['demo']}`, { version: '2.10' });
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-keypairs:delete to be performed.");
      r = await c.req('alt_demo', 'DELETE', `/os-keypairs/${name}`, { version: '2.10' });
      assert.equal(r.status, 404);
      assert.equal((await c.req('demo', 'GET', `/os-keypairs/${name}`)).status, 200);
      r = await c.req('admin', 'DELETE', `/os-keypairs/${name}?user_id=${uid['demo']}`, { version: '2.10' });
      assert.equal(r.status, 204);
      assert.equal((await c.req('demo', 'GET', `/os-keypairs/${name}`)).status, 404);
    });
  });

  describe('key_name at server create', () => {
    it('boots with the caller\'s keypair and shows key_name; another user\'s or an unknown one is 400', async () => {
      const name = uniq();
      await create('demo', { name });
      const s = await c.bootServer('demo', { key_name: name });
      assert.equal(s.status, 'ACTIVE');
      assert.equal(s.key_name, name);
      // The server keeps the name after the keypair is gone.
      await c.req('demo', 'DELETE', `/os-keypairs/${name}`);
      assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`)).body.server.key_name, name);

      const alt = uniq();
      await create('alt_demo', { name: alt, public_key: TEMPEST_KEY });
      for (const key_name of [alt, name, 'no-such-key']) {
        const r = await c.req('demo', 'POST', '/servers', {
          version: '2.37',
          body: { server: { name: 'k', flavorRef: '1', imageRef: s.image.id, networks: 'none', key_name } },
        });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.body.badRequest.message, 'Invalid key_name provided.');
      }
    });
  });
});
