// Servers an end-to-end suite builds up front, in parallel, with the real
// client (`server create --wait`), so the slow part runs once. A build that
// fails is remembered and fails only the tests that use that server.
import assert from 'node:assert/strict';
import type { Magnetar } from './magnetar-process.js';

/** What to build: `e2e-<name>` as the user of `cloud`, with extra `server create` arguments. */
export type ServerPlan = readonly [name: string, cloud: string, extra: readonly string[]];

export class PrebuiltServers {
  private readonly built = new Map<string, any>();
  private readonly errors = new Map<string, string>();

  /** Builds every planned server; each keeps the client's fields plus `host`. */
  async build(m: Magnetar, plan: readonly ServerPlan[]): Promise<void> {
    await Promise.all(
      plan.map(async ([name, cloud, extra]) => {
        try {
          const s = await m.cli.json(cloud, ['server', 'create', '--flavor', 'm1.tiny', '--image', 'cirros', '--network', 'none', '--wait', ...extra, `e2e-${name}`], {
            version: '2.37',
          });
          this.built.set(name, { ...s, host: (await m.http.waitServer(s.id, () => true))['OS-EXT-SRV-ATTR:host'] });
        } catch (e) {
          this.errors.set(name, (e as Error).message);
        }
      }),
    );
  }

  /** The server built for `name` (fails the test if it could not be built). */
  get(name: string): any {
    const s = this.built.get(name);
    assert.ok(s, `server ${name} was not built: ${this.errors.get(name)}`);
    return s;
  }
}
