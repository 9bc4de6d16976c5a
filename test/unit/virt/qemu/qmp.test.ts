import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmpClient, QmpError } from '../../../../src/virt/qemu/qmp.js';

/** A QMP monitor that speaks the protocol as QEMU does: greeting, negotiation, replies in order, events in between. */
function fakeMonitor(path: string, onCommand: (cmd: { execute: string; arguments?: unknown }, sock: Socket) => void): Promise<Server> {
  const server = createServer((sock) => {
    sock.write(`${JSON.stringify({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 } }, capabilities: [] } })}\n`);
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const cmd = JSON.parse(buf.slice(0, nl)) as { execute: string };
        buf = buf.slice(nl + 1);
        if (cmd.execute === 'qmp_capabilities') sock.write('{"return": {}}\n');
        else onCommand(cmd, sock);
      }
    });
  });
  return new Promise((res) => server.listen(path, () => res(server)));
}

describe('QmpClient', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('negotiates, runs commands in order, and turns QMP errors into QmpError', async () => {
    const path = join(dir, 'a.sock');
    const server = await fakeMonitor(path, (cmd, sock) => {
      if (cmd.execute === 'query-status') sock.write('{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESUME"}\n{"return": {"status": "running", "running": true}}\n');
      else if (cmd.execute === 'echo') sock.write(`${JSON.stringify({ return: cmd.arguments })}\n`);
      else sock.write(`{"error": {"class": "CommandNotFound", "desc": "The command ${cmd.execute} has not been found"}}\n`);
    });
    const c = await QmpClient.connect(path);
    const events: string[] = [];
    c.onEvent((e) => events.push(e.event));
    const [status, echoed] = await Promise.all([c.execute('query-status'), c.execute('echo', { a: 1 })]);
    assert.deepEqual(status, { status: 'running', running: true });
    assert.deepEqual(echoed, { a: 1 });
    assert.deepEqual(events, ['RESUME']);
    await assert.rejects(c.execute('nope'), (e: unknown) => e instanceof QmpError && e.qmpClass === 'CommandNotFound' && /nope/.test(e.message));
    c.close();
    server.close();
  });

  it('waits for an event, and fails pending work when QEMU goes away', async () => {
    const path = join(dir, 'b.sock');
    const server = await fakeMonitor(path, (cmd, sock) => {
      if (cmd.execute === 'system_powerdown') {
        sock.write('{"return": {}}\n{"event": "POWERDOWN"}\n');
        setTimeout(() => sock.write('{"event": "SHUTDOWN", "data": {"guest": true}}\n'), 20);
      } else if (cmd.execute === 'quit') sock.destroy();
    });
    const c = await QmpClient.connect(path);
    const shutdown = c.waitEvent('SHUTDOWN', 2000);
    await c.execute('system_powerdown');
    assert.deepEqual((await shutdown).data, { guest: true });
    await assert.rejects(c.waitEvent('NEVER', 20), /no NEVER event/);
    await assert.rejects(c.execute('quit'), /closed/);
    await c.closed();
    await assert.rejects(c.execute('query-status'), /closed/);
    server.close();
  });

  it('fails to connect when nothing listens', async () => {
    await assert.rejects(QmpClient.connect(join(dir, 'none.sock'), 200));
  });
});
