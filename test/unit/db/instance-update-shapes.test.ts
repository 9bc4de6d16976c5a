// A server's conditional update is compiled once per shape (the columns it
// sets, how many states each guard allows): updates of one shape with other
// values, and of shapes that differ only in their guards, each change exactly
// the row and columns they say, only while the row is in an allowed state.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../../src/db/connect.js';
import { getInstance, insertInstance, updateInstance } from '../../../src/db/instances.js';
import type { NewInstance } from '../../../src/db/schema.js';
import { newInstanceRow } from './instance-rows.js';

const FLAVOR = JSON.stringify({ id: 'f', name: 'f', vcpus: 1, memory_mb: 512, root_gb: 1, ephemeral_gb: 0, swap: 0, extra_specs: {} });

const server = (uuid: string, vmState: string, taskState: string | null, now: Date): NewInstance =>
  newInstanceRow(uuid, FLAVOR, now, { vm_state: vmState, task_state: taskState });

it('updates of one shape and of shapes that differ in their guards each change only what they say', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-update-shapes-'));
  const db = await openDb(`sqlite:///${join(dir, 'x.sqlite')}`, dir);
  const now = new Date();
  const state = async (uuid: string) => {
    const r = (await getInstance(db.kysely, uuid))!;
    return { vm: r.vm_state, task: r.task_state, progress: r.progress, host: r.host };
  };
  try {
    await insertInstance(db.kysely, server('a', 'active', null, now));
    await insertInstance(db.kysely, server('b', 'active', 'migrating', now));
    await insertInstance(db.kysely, server('c', 'stopped', 'powering-on', now));

    // One shape, two rows, other values each time.
    assert.equal(await updateInstance(db.kysely, 'a', { task_state: 'migrating', progress: 5 }, now, { taskState: [null], vmState: ['active'] }), true);
    assert.equal(await updateInstance(db.kysely, 'b', { task_state: 'resize_prep', progress: 7 }, now, { taskState: [null], vmState: ['active'] }), false, 'b has a task');
    assert.deepEqual(await state('a'), { vm: 'active', task: 'migrating', progress: 5, host: 'h1' });
    assert.deepEqual(await state('b'), { vm: 'active', task: 'migrating', progress: 0, host: 'h1' });

    // The same columns and task guard with a longer vm guard: its own statement.
    await insertInstance(db.kysely, server('d', 'active', null, now));
    assert.equal(await updateInstance(db.kysely, 'd', { task_state: 'rebooting', progress: 2 }, now, { taskState: [null], vmState: ['stopped', 'active'] }), true);
    assert.deepEqual(await state('d'), { vm: 'active', task: 'rebooting', progress: 2, host: 'h1' });

    // The same columns with longer guard lists: their own statement.
    assert.equal(await updateInstance(db.kysely, 'c', { task_state: null, progress: 9 }, now, { taskState: ['migrating', 'powering-on'], vmState: ['active', 'stopped'] }), true);
    assert.deepEqual(await state('c'), { vm: 'stopped', task: null, progress: 9, host: 'h1' });
    assert.equal(await updateInstance(db.kysely, 'b', { task_state: null, progress: 3 }, now, { taskState: ['migrating', 'powering-on', null], vmState: ['stopped', 'error', 'paused'] }), false, 'b is active');
    assert.equal(await updateInstance(db.kysely, 'b', { task_state: null, progress: 3 }, now, { taskState: ['migrating', 'powering-on', null], vmState: ['stopped', 'active', 'paused'] }), true);
    assert.deepEqual(await state('b'), { vm: 'active', task: null, progress: 3, host: 'h1' });

    // No guards at all; a column left undefined is not written; null is written.
    assert.equal(await updateInstance(db.kysely, 'a', { host: null, progress: undefined }, now), true);
    assert.deepEqual(await state('a'), { vm: 'active', task: 'migrating', progress: 5, host: null });

    // No task state allowed: nothing matches; a server that is gone is not updated.
    assert.equal(await updateInstance(db.kysely, 'a', { progress: 1 }, now, { taskState: [] }), false);
    assert.equal(await updateInstance(db.kysely, 'nope', { progress: 1 }, now, { taskState: [null], vmState: ['active'] }), false);
    assert.equal((await getInstance(db.kysely, 'a'))!.progress, 5);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
