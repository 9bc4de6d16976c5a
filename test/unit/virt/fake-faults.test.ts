import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FAULT_STEPS, FaultRules, InvalidFaultRule, parseFaultRule } from '../../../src/virt/fake/faults.js';

describe('fake fault rules', () => {
  it('parses step[@host][#server][*count]', () => {
    assert.deepEqual(parseFaultRule('spawn'), { step: 'spawn' });
    assert.deepEqual(parseFaultRule('spawn@compute2'), { step: 'spawn', host: 'compute2' });
    const uuid = '9f1c2d3e-0000-4000-8000-000000000001';
    assert.deepEqual(parseFaultRule(`live_migration#${uuid}*1`), { step: 'live_migration', server: uuid, count: 1 });
    assert.deepEqual(parseFaultRule(`power_off@h1#${uuid}*3`), { step: 'power_off', host: 'h1', server: uuid, count: 3 });
  });

  it('rejects unknown steps and malformed rules', () => {
    for (const bad of ['explode', 'spawn@', 'spawn*0', 'spawn*x', '#abc', 'spawn#a@h', '']) {
      assert.throws(() => parseFaultRule(bad), InvalidFaultRule, bad);
    }
    const rules = new FaultRules();
    assert.throws(() => rules.add({ step: 'nope' }), InvalidFaultRule);
    assert.throws(() => rules.add({ step: 'spawn', count: 0 }), InvalidFaultRule);
    assert.throws(() => rules.add({ step: 'spawn', count: 1.5 }), InvalidFaultRule);
  });

  it('knows every step named after a driver method', () => {
    for (const s of ['spawn', 'inject_network_info', 'check_can_live_migrate_destination', 'post_live_migration_at_destination']) {
      assert.ok((FAULT_STEPS as readonly string[]).includes(s));
    }
  });

  it('matches on step, host and server', () => {
    const rules = new FaultRules();
    rules.add({ step: 'spawn', host: 'h2' });
    rules.add({ step: 'destroy', server: 'vm-1' });
    assert.equal(rules.take('spawn', 'h1', 'vm-1'), undefined);
    assert.equal(rules.take('power_on', 'h2', 'vm-1'), undefined);
    assert.equal(rules.take('spawn', 'h2', 'vm-9')?.host, 'h2');
    assert.equal(rules.take('destroy', 'h1', 'vm-2'), undefined);
    assert.equal(rules.take('destroy', 'h7', 'vm-1')?.server, 'vm-1');
  });

  it('fires a counted rule that many times, an uncounted one forever', () => {
    const rules = new FaultRules();
    rules.add({ step: 'reboot', count: 2 });
    assert.ok(rules.take('reboot', 'h', 's'));
    assert.equal(rules.list()[0]?.count, 1);
    assert.ok(rules.take('reboot', 'h', 's'));
    assert.equal(rules.take('reboot', 'h', 's'), undefined);
    assert.deepEqual(rules.list(), []);
    rules.add({ step: 'pause' });
    for (let i = 0; i < 50; i++) assert.ok(rules.take('pause', 'h', 's'));
  });

  it('adds with ids, lists, removes and clears', () => {
    const rules = new FaultRules();
    const a = rules.add({ step: 'spawn', message: 'no valid host' });
    const b = rules.add({ step: 'destroy' });
    assert.notEqual(a.id, b.id);
    assert.deepEqual(rules.list().map((r) => r.id), [a.id, b.id]);
    assert.equal(rules.remove(a.id), true);
    assert.equal(rules.remove(a.id), false);
    assert.deepEqual(rules.list().map((r) => r.id), [b.id]);
    rules.clear();
    assert.deepEqual(rules.list(), []);
  });
});
