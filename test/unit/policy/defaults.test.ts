import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POLICY_DEFAULTS } from '../../../src/policy/defaults.js';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';
import { policySampleYaml } from '../../../src/policy/sample.js';
import { ADMIN, MANAGER, MEMBER, OTHER_MEMBER, P1_SERVER, READER, token } from './helpers.js';

const policy = new PolicyEnforcer();

const MIGRATE = 'os_compute_api:os-migrate-server:migrate';
const LIVE = 'os_compute_api:os-migrate-server:migrate_live';

test('rule names are unique', () => {
  const names = POLICY_DEFAULTS.map((d) => d.name);
  assert.equal(new Set(names).size, names.length);
});

test('an admin of any project passes every API rule except those closed to all', () => {
  // API rules have namespaced names; the bare-named base rules are building blocks.
  for (const d of POLICY_DEFAULTS) {
    if (d.check === '!' || !d.name.includes(':')) continue;
    assert.equal(policy.enforce(d.name, P1_SERVER, ADMIN), true, d.name);
  }
  assert.equal(policy.enforce('compute:servers:resize:cross_cell', P1_SERVER, ADMIN), false);
});

test('isAdmin follows context_is_admin', () => {
  assert.equal(policy.isAdmin(ADMIN), true);
  assert.equal(policy.isAdmin(MANAGER), false);
});

test('a project manager may migrate and live-migrate without a host, not with one', () => {
  assert.equal(policy.enforce(MIGRATE, P1_SERVER, MANAGER), true);
  assert.equal(policy.enforce(LIVE, P1_SERVER, MANAGER), true);
  assert.equal(policy.enforce(`${MIGRATE}:host`, P1_SERVER, MANAGER), false);
  assert.equal(policy.enforce(`${LIVE}:host`, P1_SERVER, MANAGER), false);
  assert.equal(policy.enforce('os_compute_api:os-evacuate', P1_SERVER, MANAGER), false);
  assert.equal(policy.enforce('os_compute_api:servers:migrations:force_complete', P1_SERVER, MANAGER), true);
  assert.equal(policy.enforce('os_compute_api:servers:migrations:show', P1_SERVER, MANAGER), false);
});

test('a member may resize and confirm or revert, but not migrate', () => {
  assert.equal(policy.enforce('os_compute_api:servers:resize', P1_SERVER, MEMBER), true);
  assert.equal(policy.enforce('os_compute_api:servers:confirm_resize', P1_SERVER, MEMBER), true);
  assert.equal(policy.enforce('os_compute_api:servers:revert_resize', P1_SERVER, MEMBER), true);
  assert.equal(policy.enforce(MIGRATE, P1_SERVER, MEMBER), false);
  assert.equal(policy.enforce(LIVE, P1_SERVER, MEMBER), false);
  assert.equal(policy.enforce('os_compute_api:os-migrations:index', { project_id: 'p1' }, MEMBER), false);
});

test('a reader may list and show instance actions but not resize', () => {
  assert.equal(policy.enforce('os_compute_api:os-instance-actions:list', P1_SERVER, READER), true);
  assert.equal(policy.enforce('os_compute_api:os-instance-actions:show', P1_SERVER, READER), true);
  assert.equal(policy.enforce('os_compute_api:os-instance-actions:events', P1_SERVER, READER), false);
  assert.equal(policy.enforce('os_compute_api:servers:resize', P1_SERVER, READER), false);
  assert.equal(policy.enforce('os_compute_api:servers:show', P1_SERVER, READER), true);
});

test('a member of another project is denied project rules on this server', () => {
  for (const rule of ['os_compute_api:servers:resize', 'os_compute_api:servers:show', 'os_compute_api:os-instance-actions:list']) {
    assert.equal(policy.enforce(rule, P1_SERVER, OTHER_MEMBER), false, rule);
  }
});

test('services and hypervisors are admin only', () => {
  for (const rule of ['os_compute_api:os-services:list', 'os_compute_api:os-hypervisors:list']) {
    assert.equal(policy.enforce(rule, {}, MANAGER), false, rule);
    assert.equal(policy.enforce(rule, {}, ADMIN), true, rule);
  }
});

test('everyone may list availability zones', () => {
  assert.equal(policy.enforce('os_compute_api:os-availability-zone:list', {}, READER), true);
  assert.equal(policy.enforce('os_compute_api:os-availability-zone:detail', {}, READER), false);
});

test('key pairs belong to their user', () => {
  const rule = 'os_compute_api:os-keypairs:show';
  const owner = token('p1', ['member'], 'alice');
  assert.equal(policy.enforce(rule, { user_id: 'alice' }, owner), true);
  assert.equal(policy.enforce(rule, { user_id: 'bob' }, owner), false);
  assert.equal(policy.enforce(rule, { user_id: 'bob' }, ADMIN), true);
});

test('the fault-injection endpoint is admin only', () => {
  assert.equal(policy.enforce('magnetar:faults', {}, ADMIN), true);
  assert.equal(policy.enforce('magnetar:faults', {}, MANAGER), false);
});

test('the simulated hosts\' lifecycle is admin only', () => {
  assert.equal(policy.enforce('magnetar:hosts', {}, ADMIN), true);
  assert.equal(policy.enforce('magnetar:hosts', {}, MANAGER), false);
});

test('the audit is admin only', () => {
  assert.equal(policy.enforce('magnetar:audit', {}, ADMIN), true);
  assert.equal(policy.enforce('magnetar:audit', {}, MANAGER), false);
  assert.equal(policy.enforce('magnetar:audit', {}, READER), false);
});

test('the event stream and the clock are admin only, and in the policy sample', () => {
  for (const rule of ['magnetar:events', 'magnetar:clock']) {
    assert.equal(policy.enforce(rule, {}, ADMIN), true);
    assert.equal(policy.enforce(rule, {}, MANAGER), false);
    assert.equal(policy.enforce(rule, {}, READER), false);
    assert.match(policySampleYaml(), new RegExp(`^#"${rule}": "rule:context_is_admin"$`, 'm'));
  }
});
