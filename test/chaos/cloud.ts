// Reads and small admin steps through the compute API that the rounds share:
// servers as the campaign needs them, waiting for a server to come to rest,
// forcing a compute service down and up, a server's latest migration.
import type { ApiClient, Reply } from './api-client.js';
import { sleep } from './deployment.js';

export interface ServerView {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly task: string | null;
  readonly host: string | null;
  /** Flavor id, from the embedded flavor's name. */
  readonly flavor: string;
}

const FLAVOR_IDS: Record<string, string> = { 'm1.tiny': '1', 'm1.small': '2', 'm1.medium': '3', 'm1.large': '4' };

function view(s: any): ServerView {
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    task: s['OS-EXT-STS:task_state'] ?? null,
    host: s['OS-EXT-SRV-ATTR:host'] ?? null,
    flavor: FLAVOR_IDS[s.flavor?.original_name] ?? '1',
  };
}

function expectOk(r: Reply, what: string): void {
  if (r.status >= 300) throw new Error(`${what} answered ${r.status}: ${JSON.stringify(r.body)}`);
}

export async function listServers(api: ApiClient): Promise<ServerView[]> {
  const r = await api.get('/servers/detail?all_tenants=1&limit=1000');
  expectOk(r, 'GET /servers/detail');
  return (r.body.servers as any[]).map(view);
}

export async function findByName(api: ApiClient, name: string): Promise<ServerView[]> {
  const r = await api.get(`/servers/detail?all_tenants=1&name=${encodeURIComponent(`^${name}$`)}`);
  expectOk(r, 'GET /servers/detail?name');
  return (r.body.servers as any[]).map(view);
}

/** The server, or null once it is gone. */
export async function showServer(api: ApiClient, id: string): Promise<ServerView | null> {
  const r = await api.get(`/servers/${id}`);
  if (r.status === 404) return null;
  expectOk(r, `GET /servers/${id}`);
  return view(r.body.server);
}

export const isAtRest = (s: ServerView): boolean => s.task === null && s.status !== 'BUILD';

/** Polls the server until `pred` holds (or it is gone, when `pred` accepts null); the last view after `ms`. */
export async function waitServer(api: ApiClient, id: string, pred: (s: ServerView | null) => boolean, ms: number): Promise<{ ok: boolean; server: ServerView | null }> {
  const end = Date.now() + ms;
  let last: ServerView | null = null;
  for (;;) {
    last = await showServer(api, id);
    if (pred(last)) return { ok: true, server: last };
    if (Date.now() > end) return { ok: false, server: last };
    await sleep(250);
  }
}

/** Forces the compute service of `host` down (as an operator does before an evacuation) or clears that. */
export async function forceDown(api: ApiClient, host: string, down: boolean): Promise<void> {
  const list = await api.get(`/os-services?binary=nova-compute&host=${host}`, '2.53');
  expectOk(list, 'GET /os-services');
  const svc = list.body.services[0];
  if (!svc) throw new Error(`no compute service on ${host}`);
  expectOk(await api.call('PUT', `/os-services/${svc.id}`, { forced_down: down }, '2.53'), `force ${down ? 'down' : 'up'} ${host}`);
}

export interface MigrationView {
  readonly id: number;
  readonly status: string;
  readonly type: string;
  readonly source: string | null;
  readonly dest: string | null;
}

/** The server's newest migration record. */
export async function latestMigration(api: ApiClient, id: string): Promise<MigrationView | null> {
  const r = await api.get(`/os-migrations?instance_uuid=${id}`, '2.59');
  expectOk(r, 'GET /os-migrations');
  const ms = (r.body.migrations as any[]).sort((a, b) => b.id - a.id);
  const m = ms[0];
  return m ? { id: m.id, status: m.status, type: m.migration_type, source: m.source_compute, dest: m.dest_compute } : null;
}

export interface AuditFinding {
  readonly kind: string;
  readonly severity: string;
  readonly server: string | null;
  readonly migration: string | null;
  readonly host: string | null;
  readonly message: string;
}

/** A strict audit: every finding, whatever its severity, is one the campaign counts. */
export async function strictAudit(api: ApiClient): Promise<AuditFinding[]> {
  const r = await api.get('/magnetar/audit?strict=true');
  expectOk(r, 'GET /magnetar/audit');
  return r.body.audit.findings as AuditFinding[];
}
