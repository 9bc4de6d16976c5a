// `magnetar host drain HOST` and `magnetar host evacuate HOST`: move every
// server off a host (live by default, cold with --cold; evacuate for a host
// that failed), a few at a time, following each move to its end, and print
// a table of outcomes. Only the public compute API is used, with the
// `openstack` client's credentials, so this works against any Nova.
//
// A rerun resumes: moves still under way are followed rather than started
// again, and cold moves that finished are confirmed. Exit status: 0 when
// every server moved (or there was none), 1 when one failed or was skipped
// or the host cannot be emptied this way, 2 when the API cannot be reached.
import type { Writable } from 'node:stream';
import { resolveCredentials, type OsOptions } from '../os-credentials.js';
import { ApiUnreachable, ComputeClient, faultMessage } from '../os-client.js';
import { planServer, type HostMoveMode, type PlanStep, type ServerSeen } from './plan.js';
import { API_VERSION, followMove, type ComputeApi, type MoveOutcome } from './follow.js';
import { outcomeTable, progressDisplay, summary } from './report.js';

export interface HostMovesOptions extends OsOptions {
  readonly cold?: boolean;
  readonly target?: string;
  readonly concurrency?: string;
  readonly timeout?: string;
  /** commander's --no-disable: false when given. */
  readonly disable?: boolean;
  readonly pollInterval?: string;
}

const EXIT_INCOMPLETE = 1;
const EXIT_UNAVAILABLE = 2;

class Refused extends Error {}

interface ServiceSeen {
  readonly id: string;
  readonly state: string;
  readonly status: string;
  readonly forced_down: boolean;
}

async function computeService(api: ComputeApi, host: string): Promise<ServiceSeen> {
  const r = await api.request('GET', `/os-services?binary=nova-compute&host=${encodeURIComponent(host)}`, undefined, API_VERSION);
  if (r.status !== 200) throw new Refused(faultMessage(r.body) ?? `the compute API answered ${r.status} to the services list`);
  const found = (r.body as { services: ServiceSeen[] }).services[0];
  if (!found) throw new Refused(`no compute service runs on host ${host}`);
  return found;
}

async function serversOn(api: ComputeApi, host: string): Promise<ServerSeen[]> {
  const out: ServerSeen[] = [];
  for (let marker: string | undefined; ; ) {
    const q = `all_tenants=1&host=${encodeURIComponent(host)}&limit=500${marker ? `&marker=${marker}` : ''}`;
    const r = await api.request('GET', `/servers/detail?${q}`, undefined, API_VERSION);
    if (r.status !== 200) throw new Refused(faultMessage(r.body) ?? `the compute API answered ${r.status} to the servers list`);
    const page = (r.body as { servers: ServerSeen[] }).servers;
    out.push(...page);
    if (page.length < 500) return out;
    marker = page[page.length - 1]!.id;
  }
}

/** Cold migrations off the host that finished and wait for confirmation (a drain interrupted before it confirmed them). */
async function unconfirmed(api: ComputeApi, host: string): Promise<PlanStep[]> {
  const r = await api.request('GET', `/os-migrations?source_compute=${encodeURIComponent(host)}&status=finished&migration_type=migration`, undefined, API_VERSION);
  if (r.status !== 200) return [];
  const steps: PlanStep[] = [];
  for (const m of (r.body as { migrations: Array<{ instance_uuid: string }> }).migrations) {
    const s = await api.request('GET', `/servers/${m.instance_uuid}`, undefined, API_VERSION);
    const server = (s.body as { server?: ServerSeen } | undefined)?.server;
    if (server?.status === 'VERIFY_RESIZE') steps.push({ server, do: 'confirm', kind: 'cold' });
  }
  return steps;
}

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Refused(`--${name} must be a positive number, not ${value}`);
  return n;
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the items' order in the results. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function hostMovesCommand(
  verb: 'drain' | 'evacuate',
  host: string,
  o: HostMovesOptions,
  out: Writable & { isTTY?: boolean } = process.stdout,
  err: Writable = process.stderr,
): Promise<number> {
  const say = (m: string) => err.write(`magnetar host ${verb}: ${m}\n`);
  try {
    const mode: HostMoveMode = verb === 'evacuate' ? 'evacuate' : o.cold ? 'cold' : 'live';
    const concurrency = Math.floor(positive(o.concurrency, 2, 'concurrency'));
    const timeoutSeconds = positive(o.timeout, 3600, 'timeout');
    const pollMs = positive(o.pollInterval, 1, 'poll-interval') * 1000;
    if (o.target === host) throw new Refused(`--target ${host} is the host being emptied`);
    const api = await ComputeClient.connect(resolveCredentials(o));

    const service = await computeService(api, host);
    if (mode === 'evacuate' && service.state === 'up' && !service.forced_down) {
      throw new Refused(`the compute service on ${host} is up: evacuate is for a host that failed (its service down or forced down); drain a host that runs`);
    }
    if (mode !== 'evacuate' && (service.state !== 'up' || service.forced_down)) {
      throw new Refused(`the compute service on ${host} is ${service.forced_down ? 'forced down' : service.state}: servers cannot be migrated off it; use magnetar host evacuate`);
    }
    // Keep the scheduler from placing new servers on a host being emptied.
    if (mode !== 'evacuate' && o.disable !== false && service.status !== 'disabled') {
      const r = await api.request('PUT', `/os-services/${service.id}`, { status: 'disabled', disabled_reason: 'drained by magnetar host drain' }, API_VERSION);
      if (r.status !== 200) throw new Refused(`could not disable the compute service on ${host}: ${faultMessage(r.body) ?? `HTTP ${r.status}`}`);
      say(`disabled the compute service on ${host}`);
    }

    const steps: PlanStep[] = [...(mode === 'evacuate' ? [] : await unconfirmed(api, host)), ...(await serversOn(api, host)).map((s) => planServer(s, mode))];
    if (steps.length === 0) {
      out.write(`no server on ${host}\n`);
      return 0;
    }
    const progress = progressDisplay(out);
    const outcomes: MoveOutcome[] = await pool(steps, concurrency, async (step) => {
      if (step.do === 'skip') {
        progress.update(step.server, `skipped: ${step.reason}`);
        return { server: step.server, result: 'skipped', kind: null, from: host, to: null, detail: step.reason, seconds: 0 };
      }
      const outcome = await followMove(api, step, {
        source: host,
        ...(o.target !== undefined && { target: o.target }),
        timeoutSeconds,
        pollMs,
        onProgress: (s, text) => progress.update(s, text),
      });
      progress.update(step.server, `${outcome.result}${outcome.to ? ` to ${outcome.to}` : ''}: ${outcome.detail}`);
      return outcome;
    });
    progress.end();
    out.write(outcomeTable(outcomes));
    out.write(summary(outcomes));
    return outcomes.every((x) => x.result === 'moved') ? 0 : EXIT_INCOMPLETE;
  } catch (e) {
    if (e instanceof Refused) {
      say(e.message);
      return EXIT_INCOMPLETE;
    }
    say(e instanceof Error ? e.message : String(e));
    return e instanceof ApiUnreachable ? EXIT_UNAVAILABLE : EXIT_INCOMPLETE;
  }
}
