// The all-in-one (`magnetar serve`) with its simulated compute hosts. A point
// is armed at run time through POST /magnetar/faults for one host; when it
// fires, that host's agent dies alone (its guests keep running), as a killed
// `magnetar compute` would. Hosts are crashed, stopped and started through
// the host lifecycle API (POST /magnetar/hosts/{host}/action). The API and
// conductor live in the one process, so only compute points are armed here.
import { startMagnetar } from '../e2e/support/magnetar-process.js';
import { ApiClient } from './api-client.js';
import { sleep, type Deployment } from './deployment.js';

export async function startAllInOne(hosts: readonly string[], settings: readonly string[]): Promise<Deployment> {
  const m = await startMagnetar({ set: [`magnetar.compute_hosts=${hosts.join(',')}`, ...settings] });
  const api = new ApiClient(`http://127.0.0.1:${m.ports.compute}`, `http://127.0.0.1:${m.ports.identity}`);

  const stateOf = async (host: string): Promise<string> => {
    const r = await api.get('/magnetar/hosts');
    return (r.body?.hosts ?? []).find((h: { host: string }) => h.host === host)?.state ?? 'unknown';
  };
  const action = async (host: string, verb: 'stop' | 'crash' | 'start'): Promise<number> =>
    (await api.call('POST', `/magnetar/hosts/${host}/action`, { [verb]: null })).status;
  const clearFaults = async (): Promise<void> => {
    await api.call('DELETE', '/magnetar/faults');
  };
  const arm = async (point: string, host: string, server?: string): Promise<void> => {
    const r = await api.call('POST', '/magnetar/faults', { fault: { step: `crash:${point}`, host, count: 1, ...(server ? { server } : {}) } });
    if (r.status !== 201) throw new Error(`arming ${point} on ${host} answered ${r.status}: ${JSON.stringify(r.body)}`);
  };
  /** Starts a host until it runs: a start whose recovery reaches an armed point ends with the host stopped again. */
  const start = async (host: string): Promise<void> => {
    for (let i = 0; i < 3 && (await stateOf(host)) !== 'running'; i++) {
      await action(host, 'start');
    }
  };

  return {
    mode: 'all-in-one',
    api,
    hosts,
    canArm: (role) => role === 'compute',
    async arm(point, role, server) {
      await arm(point, role, server);
    },
    async died(role, ms) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if ((await stateOf(role)) !== 'running') return true;
        await sleep(200);
      }
      return false;
    },
    async restart(role) {
      await clearFaults();
      await start(role);
    },
    async takeDown(host, how) {
      const status = await action(host, how);
      if (status !== 200) throw new Error(`${how} of ${host} answered ${status}`);
    },
    async bringUp(host, point) {
      if (point) {
        await arm(point, host);
        await action(host, 'start');
        return;
      }
      await clearFaults();
      await start(host);
    },
    logTail(_role, lines) {
      return m.logs().split('\n').slice(-lines).join('\n');
    },
    close: () => m.stop(),
  };
}
