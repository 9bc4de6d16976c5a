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

/** The first `count` free ports of `min..max` on `addr`, skipping `taken`. */
export async function freePorts(addr: string, min: number, max: number, count: number, taken: ReadonlySet<number> = new Set()): Promise<number[]> {
  const out: number[] = [];
  for (let p = min; p <= max && out.length < count; p++) {
    if (!taken.has(p) && (await free(addr, p))) out.push(p);
  }
  if (out.length < count) throw new Error(`no ${count} free port(s) on ${addr} in ${min}..${max} for an incoming live migration`);
  return out;
}
