import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enforcerWithRules, token } from './helpers.js';

const caller = token('p1', ['Member', 'reader'], 'u1');

/** Evaluates one check string for `caller` against `target`. */
function allows(check: string, target: Record<string, unknown> = {}, creds = caller): boolean {
  return enforcerWithRules({ t: check }).enforce('t', target, creds);
}

test('@ always allows and ! always denies', () => {
  assert.equal(allows('@'), true);
  assert.equal(allows('!'), false);
});

test('empty check string allows everyone', () => {
  assert.equal(allows(''), true);
});

test('unparseable check strings deny', () => {
  for (const bad of ['(role:member', 'role:member)', 'role:member and', 'or role:member', 'not', '()', "'quoted'", '   ']) {
    assert.equal(allows(bad), false, bad);
  }
});

test('a bare word is a check that never passes, without spoiling the rest', () => {
  assert.equal(allows('member'), false);
  assert.equal(allows('member or @'), true);
});

test('and binds tighter than or', () => {
  // Read as "@ or (! and !)": true. Left-to-right would give false.
  assert.equal(allows('@ or ! and !'), true);
  assert.equal(allows('! and ! or @'), true);
  assert.equal(allows('! and @ or !'), false);
});

test('not binds tighter than and', () => {
  assert.equal(allows('not ! and @'), true);
  assert.equal(allows('not @ and @'), false);
  assert.equal(allows('not (@ and !)'), true);
  assert.equal(allows('not not @'), true);
});

test('parentheses override precedence and may be glued to tokens', () => {
  assert.equal(allows('(@ or !) and !'), false);
  assert.equal(allows('((@ or !)) and ((@))'), true);
  assert.equal(allows('(role:member or role:admin) and project_id:%(project_id)s', { project_id: 'p1' }), true);
  assert.equal(allows('(role:member or role:admin) and project_id:%(project_id)s', { project_id: 'p2' }), false);
});

test('and / or / not are case-insensitive', () => {
  assert.equal(allows('! OR @'), true);
  assert.equal(allows('@ AND !'), false);
  assert.equal(allows('NOT !'), true);
  assert.equal(allows('Not ! And @'), true);
});

test('role names match case-insensitively on both sides', () => {
  assert.equal(allows('role:member'), true);
  assert.equal(allows('role:READER'), true);
  assert.equal(allows('role:admin'), false);
});

test('role names may come from the target', () => {
  assert.equal(allows('role:%(needed)s', { needed: 'reader' }), true);
  assert.equal(allows('role:%(needed)s', { needed: 'admin' }), false);
  assert.equal(allows('role:%(needed)s', {}), false);
});

test('rule: evaluates another rule; an unknown rule is false', () => {
  const e = enforcerWithRules({ a: 'rule:b', b: 'role:member', c: 'rule:nowhere', d: 'rule:nowhere or @' });
  assert.equal(e.enforce('a', {}, caller), true);
  assert.equal(e.enforce('c', {}, caller), false);
  assert.equal(e.enforce('d', {}, caller), true);
});

test('rules referring to each other in a loop deny instead of crashing', () => {
  const e = enforcerWithRules({ a: 'rule:b', b: 'rule:a' });
  assert.equal(e.enforce('a', {}, caller), false);
});

test('an unknown rule name passed to enforce denies', () => {
  const e = enforcerWithRules({});
  assert.equal(e.enforce('no:such:rule', {}, caller), false);
});

test('generic checks compare a credential with the formatted target value', () => {
  assert.equal(allows('project_id:%(project_id)s', { project_id: 'p1' }), true);
  assert.equal(allows('project_id:%(project_id)s', { project_id: 'p2' }), false);
  assert.equal(allows('user_id:%(user_id)s', { user_id: 'u1' }), true);
  assert.equal(allows('user_id:u1'), true);
  assert.equal(allows('user_id:u2'), false);
});

test('a generic check whose target key is missing is false', () => {
  assert.equal(allows('project_id:%(project_id)s', {}), false);
  assert.equal(allows('not project_id:%(project_id)s', {}), true);
});

test('formatting keeps text around placeholders and reads nested target keys', () => {
  assert.equal(allows('user_id:u%(n)s', { n: 1 }), true);
  assert.equal(allows('project_id:%(server.project_id)s', { server: { project_id: 'p1' } }), true);
  assert.equal(allows('project_id:%(server.project_id)s', { server: {} }), false);
});

test('a list credential matches when any element matches', () => {
  assert.equal(allows('roles:reader'), true);
  assert.equal(allows('roles:admin'), false);
});

test('dotted left sides walk into the credentials', () => {
  const creds = { ...caller, extra: { group: ['ops', 'dev'] } };
  assert.equal(allows('extra.group:dev', {}, creds), true);
  assert.equal(allows('extra.group:qa', {}, creds), false);
  assert.equal(allows('extra.missing:x', {}, creds), false);
});

test('literal left sides compare their own text with the target value', () => {
  assert.equal(allows('True:%(enabled)s', { enabled: true }), true);
  assert.equal(allows('True:%(enabled)s', { enabled: false }), false);
  assert.equal(allows("'abc':%(name)s", { name: 'abc' }), true);
  assert.equal(allows('"abc":%(name)s', { name: 'abd' }), false);
  assert.equal(allows('42:%(n)s', { n: 42 }), true);
  assert.equal(allows('42:%(n)s', { n: 43 }), false);
});

test('is_admin compares the caller\'s admin flag', () => {
  const admin = token('p9', ['admin']);
  assert.equal(allows('is_admin:True', {}, admin), true);
  assert.equal(allows('is_admin:true', {}, caller), false);
  assert.equal(allows('is_admin:False', {}, caller), true);
  // A flag already computed for the request is taken as is.
  assert.equal(allows('is_admin:True', {}, { ...caller, is_admin: true }), true);
});
