import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';
import { PolicyNotAuthorized } from '../../../src/policy/errors.js';
import { ADMIN, MEMBER, P1_SERVER } from './helpers.js';

const policy = new PolicyEnforcer();

test('authorize throws PolicyNotAuthorized naming the rule', () => {
  const rule = 'os_compute_api:os-admin-actions:reset_state';
  assert.throws(
    () => policy.authorize(rule, P1_SERVER, MEMBER),
    (err: unknown) =>
      err instanceof PolicyNotAuthorized &&
      err.rule === rule &&
      err.message === `Policy doesn't allow ${rule} to be performed.`,
  );
});

test('authorize returns quietly when allowed', () => {
  assert.doesNotThrow(() => policy.authorize('os_compute_api:os-admin-actions:reset_state', P1_SERVER, ADMIN));
});
