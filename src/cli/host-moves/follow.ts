// One server's move off a host, through the public compute API only: start
// it (or pick up one under way), follow the server until no task is left,
// confirm a cold move that finished, and tell the outcome with the reason
// Nova recorded when it failed (the instance action's failed event).
import type { ApiReply } from '../os-client.js';
import { faultMessage } from '../os-client.js';
import type { MoveKind, PlanStep, ServerSeen } from './plan.js';

/** The microversion every request is made at: instance action event details are shown from 2.84. */
export const API_VERSION = '2.84';

export interface ComputeApi {
  request(method: string, path: string, body?: unknown, version?: string): Promise<ApiReply>;
}

export interface MoveOutcome {
  readonly server: ServerSeen;
  readonly result: 'moved' | 'failed' | 'skipped';
  readonly kind: MoveKind | null;
  readonly from: string;
  readonly to: string | null;
  readonly detail: string;
  readonly seconds: number;
}

export interface FollowOptions {
  readonly source: string;
  readonly target?: string;
  /** Seconds a move may take before it is reported as failed (it is left running). */
  readonly timeoutSeconds: number;
  readonly pollMs: number;
  /** Called with a short description of where the move is, each time it changes. */
  readonly onProgress: (server: ServerSeen, text: string) => void;
}

interface ServerNow extends ServerSeen {
  readonly fault?: { readonly message?: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const path = (s: ServerSeen, rest = '') => `/servers/${encodeURIComponent(s.id)}${rest}`;
const MOVE_STATUSES = new Set(['MIGRATING', 'RESIZE', 'REBUILD', 'BUILD']);

function startBody(kind: MoveKind, target: string | undefined): unknown {
  if (kind === 'live') return { 'os-migrateLive': { host: target ?? null, block_migration: 'auto' } };
  if (kind === 'cold') return { migrate: target !== undefined ? { host: target } : null };
  return { evacuate: target !== undefined ? { host: target } : {} };
}

const VERB: Readonly<Record<MoveKind, string>> = { live: 'live migration', cold: 'cold migration', evacuate: 'evacuation' };

/** Why a move failed, from the failed event of its instance action (or the server's fault). */
async function failureReason(api: ComputeApi, s: ServerNow, requestId: string | undefined): Promise<string> {
  let id = requestId;
  if (id === undefined) {
    const list = await api.request('GET', path(s, '/os-instance-actions'), undefined, API_VERSION);
    id = (list.body as { instanceActions?: Array<{ request_id: string }> } | undefined)?.instanceActions?.[0]?.request_id;
  }
  if (id !== undefined) {
    const r = await api.request('GET', path(s, `/os-instance-actions/${encodeURIComponent(id)}`), undefined, API_VERSION);
    const events = (r.body as { instanceAction?: { events?: Array<{ event: string; result: string | null; details?: string | null }> } } | undefined)?.instanceAction?.events ?? [];
    const failed = events.find((e) => e.result === 'Error');
    if (failed) return `${failed.event}: ${failed.details ?? 'Error'}`;
  }
  if (s.fault?.message) return s.fault.message;
  return `the server is still on ${s['OS-EXT-SRV-ATTR:host'] ?? 'no host'} (${s.status})`;
}

/** Live migration progress as `NN% of memory`, from the server's in-progress migration (2.23+). */
async function liveProgress(api: ComputeApi, s: ServerSeen): Promise<string | undefined> {
  const r = await api.request('GET', path(s, '/migrations'), undefined, API_VERSION);
  const m = (r.body as { migrations?: Array<{ memory_total_bytes: number | null; memory_processed_bytes: number | null; dest_compute: string | null }> } | undefined)?.migrations?.[0];
  if (!m) return undefined;
  const total = m.memory_total_bytes ?? 0;
  const pct = total > 0 ? `${Math.min(100, Math.floor(((m.memory_processed_bytes ?? 0) * 100) / total))}% of memory` : 'starting';
  return `live migrating to ${m.dest_compute ?? '?'}, ${pct}`;
}

export async function followMove(api: ComputeApi, step: Exclude<PlanStep, { do: 'skip' }>, o: FollowOptions): Promise<MoveOutcome> {
  const began = Date.now();
  const kind = step.kind;
  const done = (result: MoveOutcome['result'], to: string | null, detail: string): MoveOutcome => ({
    server: step.server,
    result,
    kind,
    from: o.source,
    to,
    detail,
    seconds: (Date.now() - began) / 1000,
  });
  let requestId: string | undefined;
  if (step.do === 'start') {
    const r = await api.request('POST', path(step.server, '/action'), startBody(kind, o.target), API_VERSION);
    if (r.status !== 202 && r.status !== 200) return done('failed', null, `${VERB[kind]} refused (HTTP ${r.status}): ${faultMessage(r.body) ?? 'no reason given'}`);
    requestId = r.requestId;
    o.onProgress(step.server, `${VERB[kind]} started`);
  } else {
    o.onProgress(step.server, step.do === 'confirm' ? 'confirming the finished cold migration' : `${VERB[kind]} under way: following it`);
  }
  let last = '';
  let confirmed = false;
  for (;;) {
    if ((Date.now() - began) / 1000 > o.timeoutSeconds) return done('failed', null, `still moving after ${o.timeoutSeconds} s (left running)`);
    const r = await api.request('GET', path(step.server), undefined, API_VERSION);
    if (r.status === 404) return done('skipped', null, 'the server was deleted while it moved');
    const s = (r.body as { server?: ServerNow } | undefined)?.server;
    if (r.status !== 200 || !s) return done('failed', null, `could not read the server (HTTP ${r.status})`);
    const host = s['OS-EXT-SRV-ATTR:host'];
    if (s['OS-EXT-STS:task_state'] === null && s.status === 'VERIFY_RESIZE' && !confirmed) {
      const c = await api.request('POST', path(s, '/action'), { confirmResize: null }, API_VERSION);
      if (c.status !== 204 && c.status !== 202) return done('failed', host, `the move finished on ${host} but its confirmation was refused (HTTP ${c.status}): ${faultMessage(c.body) ?? ''}`);
      confirmed = true;
      o.onProgress(s, `confirming on ${host}`);
    } else if (s['OS-EXT-STS:task_state'] === null && !MOVE_STATUSES.has(s.status) && s.status !== 'VERIFY_RESIZE') {
      if (host !== null && host !== o.source) return done('moved', host, `${VERB[kind]}${confirmed ? ', confirmed' : ''}; ${s.status}`);
      return done('failed', host, await failureReason(api, s, requestId));
    }
    const now = kind === 'live' && s.status === 'MIGRATING' ? ((await liveProgress(api, s)) ?? s.status) : `${s.status}${s['OS-EXT-STS:task_state'] ? ` (${s['OS-EXT-STS:task_state']})` : ''}`;
    if (now !== last) {
      o.onProgress(s, now);
      last = now;
    }
    await sleep(o.pollMs);
  }
}
