// Ports for a guest arriving by live migration: its QEMU listens for the
// memory stream and serves its disk over NBD on ports of the configured
// range, as libvirt picks them from migration_port_min..max.
import { createServer } from 'node:net';

/** Whether nothing listens on `addr:port` now. */
function free(addr: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: addr, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * `count` free ports of `min..max` on `addr`, skipping `taken`. The scan
 * starts at a random port of the range and wraps: hosts of one machine
 * choosing at the same moment then rarely pick the same one.
 */
export async function freePorts(addr: string, min: number, max: number, count: number, taken: ReadonlySet<number> = new Set()): Promise<number[]> {
  const out: number[] = [];
  const size = max - min + 1;
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size && out.length < count; i++) {
    const p = min + ((start + i) % size);
    if (!taken.has(p) && (await free(addr, p))) out.push(p);
  }
  if (out.length < count) throw new Error(`no ${count} free port(s) on ${addr} in ${min}..${max} for an incoming live migration`);
  return out;
}

/**
 * Runs `listen` on free ports of the range. A port found free may be taken
 * by another process before QEMU binds it (another host of this machine
 * choosing at the same moment): when `listen` fails and one of its ports is
 * now taken, it runs again on others, a few times at most.
 */
export async function onFreePorts<T>(
  addr: string,
  range: { readonly portMin: number; readonly portMax: number },
  count: number,
  taken: ReadonlySet<number>,
  listen: (ports: number[]) => Promise<T>,
): Promise<T> {
  const skip = new Set(taken);
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(addr, range.portMin, range.portMax, count, skip);
    try {
      return await listen(ports);
    } catch (err) {
      const lost: number[] = [];
      for (const p of ports) if (!(await free(addr, p))) lost.push(p);
      if (lost.length === 0 || attempt >= 5) throw err;
      for (const p of lost) skip.add(p);
    }
  }
}
