// Ports for servers a test starts itself.
import { createServer } from 'node:net';

/**
 * A port nothing listens on right now, for a process started later. It is
 * taken below the kernel's ephemeral range (32768 and up): a port bound with
 * 0 comes from that range, so any outgoing connection made meanwhile (of
 * this or a concurrent test) could take it before the process binds it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.unref();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}
