// Ports for arriving guests: another process of the machine may take a port
// between the check and QEMU's bind; the listener then moves to another one.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { freePorts, onFreePorts } from '../../../../src/virt/qemu/ports.js';
import { freePort } from '../../../support/ports.js';

const ADDR = '127.0.0.1';

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host: ADDR, port, exclusive: true }, () => resolve(srv));
  });
}

describe('qemu incoming ports', () => {
  const held: Server[] = [];
  after(() => held.forEach((s) => s.close()));

  /** A range of two ports, both free now. */
  async function twoPorts(): Promise<{ portMin: number; portMax: number }> {
    for (;;) {
      const p = await freePort();
      const both = await freePorts(ADDR, p, p + 1, 2).catch(() => []);
      if (both.length === 2) return { portMin: p, portMax: p + 1 };
    }
  }

  it('a port taken by another process before the bind: the listener runs again on the other port', async () => {
    const range = await twoPorts();
    const tried: number[] = [];
    const srv = await onFreePorts(ADDR, range, 1, new Set(), async ([port]) => {
      tried.push(port!);
      // The first time, someone else binds the chosen port first.
      if (tried.length === 1) held.push(await listenOn(port!));
      return listenOn(port!);
    });
    held.push(srv);
    assert.equal(tried.length, 2);
    assert.notEqual(tried[0], tried[1]);
    assert.deepEqual([...tried].sort(), [range.portMin, range.portMax].sort());
  });

  it('a failure with its ports still free is not a race: it is thrown at once', async () => {
    const range = await twoPorts();
    let calls = 0;
    await assert.rejects(
      onFreePorts(ADDR, range, 1, new Set(), async () => {
        calls++;
        throw new Error('QEMU refused its arguments');
      }),
      /QEMU refused its arguments/,
    );
    assert.equal(calls, 1);
  });

  it('skips the ports the host has handed out, and says so when none is left', async () => {
    const range = await twoPorts();
    assert.deepEqual(await freePorts(ADDR, range.portMin, range.portMax, 1, new Set([range.portMin])), [range.portMax]);
    await assert.rejects(freePorts(ADDR, range.portMin, range.portMax, 1, new Set([range.portMin, range.portMax])), /no 1 free port/);
  });
});
