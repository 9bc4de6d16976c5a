// The distributed deployment: api, scheduler, conductor and one process per
// compute host on a fresh PostgreSQL database and RabbitMQ. A point is armed
// by killing the role's process and starting it again with the point in its
// `fake.faults`; the process kills itself (SIGKILL) when it gets there.
import { DistributedCloud } from '../e2e/support/distributed-cloud.js';
import { ApiClient } from './api-client.js';
import { crashRule, type Deployment, type Role } from './deployment.js';

const computeRole = (host: string): string => `compute:${host}`;

export async function startDistributed(hosts: readonly string[], settings: readonly string[]): Promise<Deployment> {
  const d = new DistributedCloud();
  // A machine busy with other work can take long to start a process; the campaign waits rather than fails.
  d.startTimeoutMs = 60_000;
  try {
    await d.start(['api', 'scheduler', 'conductor', ...hosts.map(computeRole)], settings);
  } catch (err) {
    await d.stop().catch(() => undefined);
    throw err;
  }
  const api = new ApiClient(d.computeUrl, d.identityUrl);
  const roleOf = (r: Role): string => (r === 'api' || r === 'conductor' ? r : computeRole(r));
  const isUp = (r: Role): boolean => alive.has(roleOf(r));
  // Roles whose current process has not been seen to exit.
  const alive = new Set<string>(['api', 'scheduler', 'conductor', ...hosts.map(computeRole)]);

  /** Starts a role's process; one that dies before it says it is ready (e.g. at an armed point in its start-up) is not an error. */
  const launch = async (role: string, extra: readonly string[] = []): Promise<void> => {
    alive.add(role);
    for (let attempt = 1; ; attempt++) {
      try {
        await d.startRole(role, extra);
        return;
      } catch (err) {
        // An armed life may die in its start-up; a plain one is tried again (a busy machine can make a start slow).
        if (extra.length > 0) return;
        await d.kill(role).catch(() => undefined);
        if (attempt === 3) throw err;
      }
    }
  };
  const kill = async (role: string): Promise<void> => {
    await d.kill(role).catch(() => undefined);
    alive.delete(role);
  };

  return {
    mode: 'distributed',
    api,
    hosts,
    canArm: () => true,
    async arm(point, role, server) {
      const r = roleOf(role);
      await kill(r);
      await launch(r, [`fake.faults=${crashRule(point, r === role ? undefined : role, server)}`]);
    },
    async died(role, ms) {
      const r = roleOf(role);
      try {
        await d.exited(r, ms);
        alive.delete(r);
        return true;
      } catch {
        return false;
      }
    },
    async restart(role) {
      const r = roleOf(role);
      await kill(r);
      await launch(r);
    },
    async takeDown(host) {
      // A separate compute process has one way to fail: its process dies; the guests live on in the hypervisor.
      await kill(computeRole(host));
    },
    async bringUp(host, point) {
      const r = computeRole(host);
      if (isUp(host)) await kill(r);
      await launch(r, point ? [`fake.faults=${crashRule(point, host)}`] : []);
    },
    logTail(role, lines) {
      return d.log(roleOf(role)).split('\n').slice(-lines).join('\n');
    },
    close: () => d.stop(),
  };
}
