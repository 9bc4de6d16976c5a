import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';
import { P1_SERVER } from './helpers.js';

const systemAdmin = { user_id: 'u', project_id: null, roles: ['admin', 'reader'], system_scope: 'all' };
const domainAdmin = { user_id: 'u', project_id: null, domain_id: 'd1', roles: ['admin', 'reader'] };
const scopedAlsoSystem = { user_id: 'u', project_id: 'p1', roles: ['admin'], system_scope: 'all' };

test('system- and domain-scoped tokens fail every rule, even the open ones', () => {
  const policy = new PolicyEnforcer();
  for (const creds of [systemAdmin, domainAdmin, scopedAlsoSystem]) {
    assert.equal(policy.enforce('os_compute_api:os-availability-zone:list', {}, creds), false);
    assert.equal(policy.enforce('os_compute_api:os-services:list', {}, creds), false);
    assert.equal(policy.enforce('os_compute_api:servers:show', P1_SERVER, creds), false);
  }
});

test('with scope enforcement off, the check string alone decides', () => {
  const policy = new PolicyEnforcer({ enforceScope: false });
  assert.equal(policy.enforce('os_compute_api:os-services:list', {}, systemAdmin), true);
  assert.equal(policy.enforce('os_compute_api:os-availability-zone:list', {}, domainAdmin), true);
});
