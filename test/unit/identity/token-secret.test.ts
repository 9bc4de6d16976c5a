// The signing secret: configured, or generated once under state_path and
// shared by every process using that directory.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../../../src/config/config.js';
import { TokenSigner, loadTokenSecret } from '../../../src/identity/tokens.js';

const confWithState = (dir: string): Config => {
  const conf = new Config();
  conf.set('DEFAULT', 'state_path', dir);
  return conf;
};
const issue = (s: TokenSigner): string => s.issue({ userId: 'u', projectId: 'p', roles: ['reader'] }).token;

describe('token secret', () => {
  it('is generated once into <state_path>/token_secret with mode 600 and reused', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'magnetar-secret-')), 'state');
    const first = loadTokenSecret(confWithState(dir));
    const file = join(dir, 'token_secret');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trim(), first);
    assert.equal(loadTokenSecret(confWithState(dir)), first);
  });

  it('lets two signers on the same state directory validate each other tokens', () => {
    const dir = mkdtempSync(join(tmpdir(), 'magnetar-secret-'));
    const a = TokenSigner.fromConfig(confWithState(dir));
    const b = TokenSigner.fromConfig(confWithState(dir));
    assert.equal(b.validate(issue(a))?.userId, 'u');
    const other = TokenSigner.fromConfig(confWithState(mkdtempSync(join(tmpdir(), 'magnetar-secret-'))));
    assert.equal(other.validate(issue(a)), null);
  });

  it('prefers [identity] token_secret and honours token_expiration', () => {
    const conf = confWithState(mkdtempSync(join(tmpdir(), 'magnetar-secret-')));
    conf.set('identity', 'token_secret', 'shared');
    conf.set('identity', 'token_expiration', '60');
    const s = TokenSigner.fromConfig(conf);
    assert.equal(new TokenSigner('shared').validate(issue(s))?.projectId, 'p');
    const { payload } = s.issue({ userId: 'u', projectId: 'p', roles: [] });
    assert.equal(payload.expiresAt.getTime() - payload.issuedAt.getTime(), 60_000);
  });

  it('takes a signature in its one canonical spelling only', () => {
    const s = new TokenSigner('k');
    const token = issue(s);
    // 32 bytes in base64url leave 2 unused bits in the last character.
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBits = alphabet[alphabet.indexOf(last) ^ 1]!;
    const respelled = token.slice(0, -1) + sameBits;
    assert.deepEqual(Buffer.from(respelled.split('.')[1]!, 'base64url'), Buffer.from(token.split('.')[1]!, 'base64url'));
    assert.equal(s.validate(token)?.userId, 'u');
    assert.equal(s.validate(respelled), null);
  });

  it('returns null for garbage without throwing', () => {
    const s = new TokenSigner('k');
    for (const t of ['', '.', 'a.b', 'x'.repeat(5000), `${Buffer.from('[1]').toString('base64url')}.zz`]) {
      assert.equal(s.validate(t), null);
    }
  });
});
