// The allocation model: what each server and each open migration should hold.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expectedAllocations, type ExpectedAllocation } from '../../../src/audit/expected-allocations.js';
import { SMALL, TINY, migration, server } from './snapshots.js';

const show = (e: ExpectedAllocation): string =>
  `${e.consumer}@${e.host ?? '*'}:${e.resources === null ? '*' : e.resources.memory_mb}${e.optional ? '?' : ''}`;

describe('expected allocations', () => {
  it('a server on a host holds its flavor there; one without a host holds nothing unless it is being built', () => {
    const got = expectedAllocations([server('a'), server('b', { host: null, vmState: 'error' }), server('c', { host: null, vmState: 'building' })], []);
    assert.deepEqual(got.map(show), ['a@h1:512', 'c@*:512?']);
  });

  it('cold migration and resize: the migration holds the source with the old flavor, the server the destination with the new', () => {
    const rs = server('vm', { flavor: TINY, taskState: 'resize_prep' });
    const pre = migration('m', 'vm', { type: 'resize', status: 'pre-migrating', destCompute: null, destNode: null, newFlavor: SMALL });
    assert.deepEqual(expectedAllocations([rs], [pre]).map(show), ['m@h1:512', 'vm@*:2048?']);
    const migrating = { ...pre, status: 'migrating', destCompute: 'h2', destNode: 'h2' };
    assert.deepEqual(expectedAllocations([rs], [migrating]).map(show), ['m@h1:512', 'vm@h2:2048']);
    const finished = server('vm', { vmState: 'resized', host: 'h2', flavor: SMALL, oldFlavor: TINY, newFlavor: SMALL });
    for (const status of ['finished', 'confirming', 'reverting'])
      assert.deepEqual(expectedAllocations([finished], [{ ...migrating, status }]).map(show), ['m@h1:512', 'vm@h2:2048'], status);
    for (const status of ['confirmed', 'reverted', 'error'])
      assert.deepEqual(expectedAllocations([finished], [{ ...migrating, status }]).map(show), ['vm@h2:2048'], status);
  });

  it('live migration: the server keeps its source; the migration holds the destination claim, maybe none while accepted', () => {
    const vm = server('vm', { taskState: 'migrating' });
    const lm = migration('lm', 'vm', { type: 'live-migration', status: 'accepted', destCompute: null, destNode: null });
    assert.deepEqual(expectedAllocations([vm], [lm]).map(show), ['lm@*:512?', 'vm@h1:512']);
    assert.deepEqual(expectedAllocations([vm], [{ ...lm, status: 'running', destCompute: 'h3', destNode: 'h3' }]).map(show), ['lm@h3:512', 'vm@h1:512']);
    assert.deepEqual(expectedAllocations([vm], [{ ...lm, status: 'completed' }]).map(show), ['vm@h1:512']);
  });

  it('evacuation: the migration holds the failed source while accepted, pre-migrating or done; the server the destination', () => {
    const vm = server('vm', { taskState: 'rebuilding' });
    const ev = migration('ev', 'vm', { type: 'evacuation', status: 'accepted', destCompute: null, destNode: null });
    assert.deepEqual(expectedAllocations([vm], [ev]).map(show), ['ev@h1:512', 'vm@*:512?']);
    assert.deepEqual(expectedAllocations([vm], [{ ...ev, status: 'pre-migrating', destCompute: 'h2', destNode: 'h2' }]).map(show), ['ev@h1:512', 'vm@h2:512']);
    const moved = server('vm', { host: 'h2' });
    assert.deepEqual(expectedAllocations([moved], [{ ...ev, status: 'done', destCompute: 'h2' }]).map(show), ['ev@h1:512', 'vm@h2:512']);
    assert.deepEqual(expectedAllocations([moved], [{ ...ev, status: 'completed', destCompute: 'h2' }]).map(show), ['vm@h2:512']);
  });

  it('deleted servers and their migrations hold nothing', () => {
    assert.deepEqual(expectedAllocations([], [migration('m', 'gone', { status: 'migrating' })]), []);
  });
});
