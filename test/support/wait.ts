// Waiting in API tests: work the cloud finishes after answering (hosts,
// conductor, periodic tasks) is polled for, never slept on blindly.
import type { Cloud } from './cloud.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Calls `fn` every 20 ms until `pred` holds for its result; fails after `ms` with the last result seen. */
export async function until<T>(what: string, fn: () => Promise<T>, pred: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T = await fn();
  while (!pred(last)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(20);
    last = await fn();
  }
  return last;
}

/** Waits until os-services reports the host's compute service `down` (its agent stopped, service_down_time passed). */
export async function waitServiceDown(c: Cloud, host: string): Promise<void> {
  await until(
    `${host} to be reported down`,
    async () => {
      const r = await c.req('admin', 'GET', '/os-services?binary=nova-compute', { version: '2.53' });
      return r.body?.services?.find((s: any) => s.host === host)?.state;
    },
    (s) => s === 'down',
  );
}
