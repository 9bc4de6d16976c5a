// send(): the timeout bounds the whole exchange, body included, and ends
// with it, so answered requests leave no timer behind.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { send, KeystoneUnreachable } from '../../../src/identity/keystone-session.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

it('an answered request whose body was read leaves no timer running', async () => {
  const server = createServer((_req, res) => res.end('{"ok": true}'));
  const url = await listen(server);
  // Every timer made meanwhile, until it fires or is cleared (Node's own, behind AbortSignal.timeout, among them).
  const live = new Set<number>();
  const hook = createHook({
    init: (id, type) => void (type === 'Timeout' && live.add(id)),
    destroy: (id) => void live.delete(id),
  });
  try {
    hook.enable();
    for (let i = 0; i < 40; i++) assert.deepEqual(await (await send(url, {}, 60_000)).json(), { ok: true });
    await new Promise((resolve) => setImmediate(resolve));
    hook.disable();
    // The HTTP client keeps a few of its own (its connection's); not one per request.
    assert.ok(live.size < 20, `${live.size} timers still run after 40 answered requests`);
  } finally {
    hook.disable();
    server.close();
  }
});

it('a body that stops coming is cut off at the timeout', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"partial":');
  });
  const url = await listen(server);
  try {
    const r = await send(url, {}, 300);
    const t0 = Date.now();
    await assert.rejects(r.text(), (err: Error) => err.name === 'TimeoutError');
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

it('a server that never answers is unreachable at the timeout', async () => {
  const server = createServer(() => undefined);
  const url = await listen(server);
  try {
    await assert.rejects(send(url, {}, 300), (err: Error) => err instanceof KeystoneUnreachable && /did not answer within 300 ms/.test(err.message));
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
