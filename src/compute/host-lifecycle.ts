// The lifecycle of simulated compute hosts: list their states, stop one
// (its agent stops heartbeating and serving; its guests keep running), crash
// one (the same, and its guests lose power), start one (its agent starts and
// runs its start-up recovery). The process that runs a host serves
// `hostctl.<host>` with `host_state`, `host_stop`, `host_crash` and
// `host_start`, each answering {"host", "state"}; a transition it does not
// allow comes back as its error.
import type { Json } from '../rpc/bus.js';
import { MessagingTimeout } from '../rpc/bus.js';
import { MessagingUnavailable } from '../rpc/bus-errors.js';
import { computeServiceOfHost } from '../db/compute-nodes.js';
import { ComputeHostNotFound, MagnetarError } from './errors.js';
import type { ComputeService } from './service.js';

export const HOST_ACTIONS = ['stop', 'crash', 'start'] as const;
export type HostAction = (typeof HOST_ACTIONS)[number];

/** A host as its process reports it: `running`, `stopped` or `crashed`. */
export interface HostStatus {
  readonly host: string;
  readonly state: string;
}

/** How long the process of a host has to say it is there. */
export const HOST_CONTROL_TIMEOUT_MS = 2000;

export const hostControlTopic = (host: string): string => `hostctl.${host}`;

/** No process answers for the host's lifecycle. */
export class HostControlUnavailable extends MagnetarError {
  constructor(readonly host: string) {
    super('Conflict', `The process that runs compute host ${host} did not answer; it is not running or does not control hosts.`);
  }
}

/** The host's process refused the transition (e.g. start a running host). */
export class HostTransitionRefused extends MagnetarError {
  constructor(readonly host: string, reason: string) {
    super('Conflict', `Cannot change the state of compute host ${host}: ${reason}`);
  }
}

const NOT_THERE = new Set(['MessagingTimeout', 'MessagingUnavailable', 'NoSuchMethod', 'BusClosed']);

function notThere(err: unknown): boolean {
  if (err instanceof MessagingTimeout || err instanceof MessagingUnavailable) return true;
  const name = err instanceof Error ? ((err as { remoteName?: string }).remoteName ?? err.name) : '';
  return NOT_THERE.has(name);
}

function statusOf(host: string, reply: Json): HostStatus {
  const r = reply !== null && typeof reply === 'object' && !Array.isArray(reply) ? reply : {};
  return { host: typeof r['host'] === 'string' ? r['host'] : host, state: typeof r['state'] === 'string' ? r['state'] : 'unknown' };
}

async function ask(svc: ComputeService, host: string, method: string, timeoutMs?: number): Promise<HostStatus> {
  const reply = await svc.bus.call<Json>(hostControlTopic(host), method, {}, timeoutMs === undefined ? {} : { timeoutMs });
  return statusOf(host, reply);
}

/** Every compute service's host whose process answers within the timeout, by host name. */
export async function listHostStates(svc: ComputeService): Promise<HostStatus[]> {
  const rows = await svc.db.kysely
    .selectFrom('services')
    .select('host')
    .distinct()
    .where('binary', '=', 'nova-compute')
    .where('deleted', '=', 0)
    .orderBy('host')
    .execute();
  const answers = await Promise.all(rows.map((r) => ask(svc, r.host, 'host_state', HOST_CONTROL_TIMEOUT_MS).catch(() => null)));
  return answers.filter((a): a is HostStatus => a !== null);
}

/**
 * Stops, crashes or starts a compute host and answers once it is done. The
 * host's process is first asked whether it is there (a short timeout), then
 * given the transition with the usual RPC timeout (a start runs recovery).
 */
export async function changeHostState(svc: ComputeService, host: string, action: HostAction): Promise<HostStatus> {
  if ((await computeServiceOfHost(svc.db.kysely, host)) === undefined) throw new ComputeHostNotFound(host);
  try {
    await ask(svc, host, 'host_state', HOST_CONTROL_TIMEOUT_MS);
    return await ask(svc, host, `host_${action}`);
  } catch (err) {
    if (notThere(err)) throw new HostControlUnavailable(host);
    throw new HostTransitionRefused(host, err instanceof Error ? err.message : String(err));
  }
}
