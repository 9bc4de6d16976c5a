import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';
import { PolicyFileInvalid } from '../../../src/policy/errors.js';
import { ADMIN, MANAGER, MEMBER, P1_SERVER, READER, tempDir } from './helpers.js';

const LIVE = 'os_compute_api:os-migrate-server:migrate_live';
const RESIZE = 'os_compute_api:servers:resize';

/** Rewrites a file and moves its mtime so a change is seen whatever the clock resolution. */
function rewrite(path: string, text: string, secondsAhead: number): void {
  writeFileSync(path, text);
  const t = new Date(Date.now() + secondsAhead * 1000);
  utimesSync(path, t, t);
}

test('a missing policy file leaves the defaults in force', () => {
  const policy = new PolicyEnforcer({ policyFile: join(tempDir(), 'policy.yaml'), policyDirs: [join(tempDir(), 'nope')] });
  assert.equal(policy.enforce(RESIZE, P1_SERVER, MEMBER), true);
});

test('an empty policy file means no overrides', () => {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, '');
  assert.equal(new PolicyEnforcer({ policyFile: file }).enforce(RESIZE, P1_SERVER, MEMBER), true);
});

test('policy.yaml overrides a rule by name and leaves the rest alone', () => {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, `"${RESIZE}": "rule:context_is_admin"\n# a comment\n`);
  const policy = new PolicyEnforcer({ policyFile: file });
  assert.equal(policy.enforce(RESIZE, P1_SERVER, MEMBER), false);
  assert.equal(policy.enforce(RESIZE, P1_SERVER, ADMIN), true);
  assert.equal(policy.enforce('os_compute_api:servers:confirm_resize', P1_SERVER, MEMBER), true);
});

test('JSON policy files are accepted', () => {
  const file = join(tempDir(), 'policy.json');
  writeFileSync(file, JSON.stringify({ [RESIZE]: 'role:reader' }));
  assert.equal(new PolicyEnforcer({ policyFile: file }).enforce(RESIZE, P1_SERVER, READER), true);
});

test('an override that cannot be parsed denies everyone', () => {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, `"${RESIZE}": "(rule:context_is_admin"\n`);
  assert.equal(new PolicyEnforcer({ policyFile: file }).enforce(RESIZE, P1_SERVER, ADMIN), false);
});

test('files in policy.d apply after policy.yaml, in name order', () => {
  const dir = tempDir();
  const file = join(dir, 'policy.yaml');
  const policyD = join(dir, 'policy.d');
  mkdirSync(policyD);
  writeFileSync(file, `"${RESIZE}": "!"\n"a": "!"\n`);
  writeFileSync(join(policyD, '20-later.yaml'), `"a": "@"\n`);
  writeFileSync(join(policyD, '10-first.yaml'), `"${RESIZE}": "role:reader"\n"a": "!"\n`);
  const policy = new PolicyEnforcer({ policyFile: file, policyDirs: [policyD] });
  assert.equal(policy.enforce(RESIZE, P1_SERVER, READER), true);
  assert.equal(policy.enforce('a', {}, READER), true);
});

test('an override of a deprecated name carries over to the new rule', () => {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, `"${LIVE}": "role:member"\n`);
  const policy = new PolicyEnforcer({ policyFile: file });
  assert.equal(policy.enforce(LIVE, P1_SERVER, MEMBER), true);
  assert.equal(policy.enforce(`${LIVE}:host`, P1_SERVER, MEMBER), true);
  assert.equal(policy.enforce(`${LIVE}:host`, P1_SERVER, READER), false);
});

test('the new rule ignores the deprecated name when it is itself overridden', () => {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, `"${LIVE}": "role:member"\n"${LIVE}:host": "rule:context_is_admin"\n`);
  const policy = new PolicyEnforcer({ policyFile: file });
  assert.equal(policy.enforce(`${LIVE}:host`, P1_SERVER, MEMBER), false);
});

test('restating the deprecated default does not change the new rule', () => {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, `"${LIVE}": "rule:admin_api"\n`);
  const policy = new PolicyEnforcer({ policyFile: file });
  // migrate_live itself follows the file; the split-out :host rule keeps its default.
  assert.equal(policy.enforce(LIVE, P1_SERVER, MANAGER), false);
  assert.equal(policy.effectiveCheck(`${LIVE}:host`), 'rule:context_is_admin');
});

test('deprecated names that are no longer rules still pass their override on', () => {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(
    file,
    ['"os_compute_api:os-services": "role:reader"', '"os_compute_api:os-hypervisors": "role:reader"',
      '"os_compute_api:os-instance-actions": "!"', '"os_compute_api:os-migrations:index": "role:manager"',
      '"os_compute_api:servers:migrations:index": "role:manager"'].join('\n'),
  );
  const policy = new PolicyEnforcer({ policyFile: file });
  for (const rule of ['os-services:list', 'os-services:update', 'os-services:delete', 'os-hypervisors:list', 'os-hypervisors:servers']) {
    assert.equal(policy.enforce(`os_compute_api:${rule}`, {}, READER), true, rule);
  }
  assert.equal(policy.enforce('os_compute_api:os-instance-actions:list', P1_SERVER, READER), false);
  assert.equal(policy.enforce('os_compute_api:os-instance-actions:show', P1_SERVER, ADMIN), false);
  assert.equal(policy.enforce('os_compute_api:os-migrations:index:all_projects', {}, MANAGER), true);
  assert.equal(policy.enforce('os_compute_api:os-migrations:index:host', {}, MANAGER), true);
  assert.equal(policy.enforce('os_compute_api:servers:migrations:index:host', P1_SERVER, MANAGER), true);
});

test('a changed policy file is re-read', () => {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, `"${RESIZE}": "!"\n`);
  const policy = new PolicyEnforcer({ policyFile: file, reloadCheckIntervalMs: 0 });
  assert.equal(policy.enforce(RESIZE, P1_SERVER, MEMBER), false);
  rewrite(file, `"${RESIZE}": "@"\n`, 5);
  assert.equal(policy.enforce(RESIZE, P1_SERVER, MEMBER), true);
  rmSync(file);
  assert.equal(policy.enforce(RESIZE, P1_SERVER, READER), false, 'back to the default once the file is gone');
});

test('a file added to policy.d is picked up', () => {
  const policyD = tempDir();
  const policy = new PolicyEnforcer({ policyDirs: [policyD], reloadCheckIntervalMs: 0 });
  assert.equal(policy.enforce(RESIZE, P1_SERVER, READER), false);
  writeFileSync(join(policyD, 'x.yaml'), `"${RESIZE}": "role:reader"\n`);
  assert.equal(policy.enforce(RESIZE, P1_SERVER, READER), true);
});

test('files are not looked at again before the check interval passes', () => {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, `"${RESIZE}": "!"\n`);
  const policy = new PolicyEnforcer({ policyFile: file, reloadCheckIntervalMs: 60_000 });
  rewrite(file, `"${RESIZE}": "@"\n`, 5);
  assert.equal(policy.enforce(RESIZE, P1_SERVER, MEMBER), false);
});

test('a broken policy file fails start-up', () => {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, '"a": [1, 2]\n');
  assert.throws(() => new PolicyEnforcer({ policyFile: file }), PolicyFileInvalid);
  writeFileSync(file, '"a": "@"\n"a": "!"\n');
  assert.throws(() => new PolicyEnforcer({ policyFile: file }), PolicyFileInvalid);
  writeFileSync(file, '- "a"\n');
  assert.throws(() => new PolicyEnforcer({ policyFile: file }), PolicyFileInvalid);
});

test('a file broken while running keeps the last good rules and is reported', () => {
  const file = join(tempDir(), 'policy.yaml');
  writeFileSync(file, `"${RESIZE}": "@"\n`);
  const errors: Error[] = [];
  const policy = new PolicyEnforcer({ policyFile: file, reloadCheckIntervalMs: 0, onReloadError: (e) => errors.push(e) });
  rewrite(file, `"${RESIZE}": [oops\n`, 5);
  assert.equal(policy.enforce(RESIZE, P1_SERVER, READER), true);
  assert.ok(errors[0] instanceof PolicyFileInvalid);
});
