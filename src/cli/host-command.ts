// `magnetar host list|stop|crash|start|restart HOST`: the simulated hosts'
// lifecycle through the compute API (GET /magnetar/hosts, POST
// /magnetar/hosts/{host}/action); restart is stop then start. Exit status: 1
// when the API refuses (unknown host, its process not answering, a
// transition not allowed), 2 when the API cannot be reached.
import type { Writable } from 'node:stream';
import { resolveCredentials, type OsOptions } from './os-credentials.js';
import { ComputeClient, faultMessage, type ApiReply } from './os-client.js';

export type HostVerb = 'list' | 'stop' | 'crash' | 'start' | 'restart';

interface HostBody {
  readonly host: string;
  readonly state: string;
}

const EXIT_REFUSED = 1;
const EXIT_UNAVAILABLE = 2;

const line = (h: HostBody): string => `${h.host} ${h.state}`;

export async function hostCommand(verb: HostVerb, host: string | undefined, o: OsOptions, out: Writable = process.stdout, err: Writable = process.stderr): Promise<number> {
  let client: ComputeClient;
  try {
    client = await ComputeClient.connect(resolveCredentials(o));
  } catch (e) {
    err.write(`magnetar host: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_UNAVAILABLE;
  }
  const refused = (r: ApiReply): number => {
    err.write(`magnetar host: ${faultMessage(r.body) ?? `the compute API answered ${r.status}`}\n`);
    return EXIT_REFUSED;
  };
  try {
    if (verb === 'list') {
      const r = await client.request('GET', '/magnetar/hosts');
      if (r.status !== 200) return refused(r);
      const hosts = (r.body as { hosts: HostBody[] }).hosts;
      for (const h of hosts) out.write(`${line(h)}\n`);
      if (hosts.length === 0) err.write('magnetar host: no compute host\'s process answered\n');
      return 0;
    }
    const steps = verb === 'restart' ? (['stop', 'start'] as const) : ([verb] as const);
    for (const step of steps) {
      const r = await client.request('POST', `/magnetar/hosts/${encodeURIComponent(host ?? '')}/action`, { [step]: null });
      if (r.status !== 200) return refused(r);
      out.write(`${line((r.body as { host: HostBody }).host)}\n`);
    }
    return 0;
  } catch (e) {
    err.write(`magnetar host: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_UNAVAILABLE;
  }
}
