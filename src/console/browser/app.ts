// The console page: sign in as an admin, then hosts, servers, migrations in
// flight and recent activity, refreshed every two seconds and at once on
// each event of the API's event stream (when it serves one); the buttons
// start the administrative actions through the compute API.
import { ComputeApi, faultMessage, signIn, type Session } from './api.js';
import { activityView, hostsView, migrationsView, serversView, type HostRow } from './render.js';
import { drainHost } from './drain.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const FINAL = new Set(['completed', 'confirmed', 'reverted', 'error', 'failed', 'cancelled', 'done']);

let api: ComputeApi | null = null;
const activity: { at: string; text: string }[] = [];
const progress = new Map<string, string>();
let refreshing = false;
let again = false;

function note(text: string): void {
  activity.unshift({ at: new Date().toLocaleTimeString(), text });
  activity.length = Math.min(activity.length, 50);
  $('activity').innerHTML = activityView(activity);
}

async function refresh(): Promise<void> {
  if (!api) return;
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    const [services, hypervisors, servers, migrations] = await Promise.all([
      api.req('GET', '/os-services?binary=nova-compute', undefined, '2.53'),
      api.req('GET', '/os-hypervisors/detail', undefined, '2.53'),
      api.req('GET', '/servers/detail?all_tenants=1'),
      api.req('GET', '/os-migrations', undefined, '2.80'),
    ]);
    if (services.status === 401) return signOut('Your token expired: sign in again.');
    const list: any[] = servers.body?.servers ?? [];
    const hyper = new Map<string, any>((hypervisors.body?.hypervisors ?? []).map((h: any) => [h.service?.host, h]));
    const hosts: HostRow[] = (services.body?.services ?? []).map((s: any) => {
      const h = hyper.get(s.host);
      return {
        host: s.host,
        zone: s.zone,
        serviceId: s.id,
        status: s.status,
        state: s.state,
        forcedDown: s.forced_down,
        disabledReason: s.disabled_reason,
        vcpus: h?.vcpus ?? null,
        vcpusUsed: h?.vcpus_used ?? null,
        memoryMb: h?.memory_mb ?? null,
        memoryMbUsed: h?.memory_mb_used ?? null,
        servers: list.filter((x) => x['OS-EXT-SRV-ATTR:host'] === s.host).length,
      };
    });
    const inFlight = (migrations.body?.migrations ?? []).filter((m: any) => !FINAL.has(m.status));
    progress.clear();
    await Promise.all(
      inFlight
        .filter((m: any) => m.migration_type === 'live-migration')
        .map(async (m: any) => {
          const r = await api!.req('GET', `/servers/${m.instance_uuid}/migrations`, undefined, '2.80');
          const live = r.body?.migrations?.[0];
          if (live?.memory_total_bytes) progress.set(m.instance_uuid, `${Math.floor((100 * (live.memory_processed_bytes ?? 0)) / live.memory_total_bytes)}% of memory`);
          else if (live) progress.set(m.instance_uuid, 'starting');
        }),
    );
    for (const m of inFlight) if (m.status === 'finished') progress.set(m.instance_uuid, 'awaiting confirmation');
    $('hosts').innerHTML = hostsView(hosts);
    $('servers').innerHTML = serversView(list, progress);
    $('migrations').innerHTML = migrationsView(inFlight, progress);
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    note(`refresh failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    refreshing = false;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

async function act(label: string, method: string, path: string, body: unknown, version?: string): Promise<void> {
  const r = await api!.req(method, path, body, version);
  note(r.status < 300 ? `${label}: accepted (${r.requestId ?? ''})` : `${label}: refused (HTTP ${r.status}) ${faultMessage(r.body)}`);
  void refresh();
}

const target = (): string | null => ($<HTMLInputElement>('target').value.trim() || null);

async function onAction(b: HTMLElement): Promise<void> {
  const { action, server, service, host } = b.dataset;
  const on = `/servers/${server}/action`;
  switch (action) {
    case 'live-migrate':
      return act(`live migrate ${server}`, 'POST', on, { 'os-migrateLive': { host: target(), block_migration: 'auto' } });
    case 'migrate':
      return act(`migrate ${server}`, 'POST', on, { migrate: target() ? { host: target() } : null });
    case 'evacuate':
      return act(`evacuate ${server}`, 'POST', on, { evacuate: target() ? { host: target() } : {} });
    case 'confirm':
      return act(`confirm ${server}`, 'POST', on, { confirmResize: null });
    case 'reset-active':
    case 'reset-error':
      return act(`reset ${server}`, 'POST', on, { 'os-resetState': { state: action === 'reset-active' ? 'active' : 'error' } });
    case 'disable':
    case 'enable':
      return act(`${action} service ${service}`, 'PUT', `/os-services/${service}`, { status: action === 'disable' ? 'disabled' : 'enabled' }, '2.53');
    case 'force-down':
    case 'unforce':
      return act(`${action} service ${service}`, 'PUT', `/os-services/${service}`, { forced_down: action === 'force-down' }, '2.53');
    case 'drain': {
      note(`drain ${host}: started`);
      const result = await drainHost(api!, host!, (s, text) => {
        note(`drain ${host}: ${s.name || s.id}: ${text}`);
        void refresh();
      });
      note(`drain ${host}: ended, ${result.moved} moved, ${result.notMoved} not moved`);
      return refresh();
    }
    case 'evacuate-host': {
      const r = await api!.req('GET', `/servers/detail?all_tenants=1&host=${encodeURIComponent(host!)}`);
      for (const s of r.body?.servers ?? []) await act(`evacuate ${s.name || s.id}`, 'POST', `/servers/${s.id}/action`, { evacuate: target() ? { host: target() } : {} });
      return;
    }
  }
}

let stream: AbortController | null = null;

function start(session: Session): void {
  api = new ComputeApi(session);
  sessionStorage.setItem('magnetar-console', JSON.stringify(session));
  $('signin').hidden = true;
  $('main').hidden = false;
  $('who').textContent = `${session.user} on ${session.project}`;
  void refresh();
  stream = new AbortController();
  void api
    .events((type, data) => {
      const d = data as { event_type?: string; payload?: { 'nova_object.data'?: { uuid?: string } } };
      note(`event ${d?.event_type ?? type}${d?.payload?.['nova_object.data']?.uuid ? ` ${d.payload['nova_object.data'].uuid}` : ''}`);
      void refresh();
    }, stream.signal)
    .then((served) => ($('stream').textContent = served ? 'event stream ended' : 'no event stream: polling'))
    .catch(() => undefined);
}

function signOut(message = ''): void {
  stream?.abort();
  api = null;
  sessionStorage.removeItem('magnetar-console');
  $('main').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message;
}

document.addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest('button[data-action]') as HTMLElement | null;
  if (b && api) void onAction(b);
});
$('signin-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = e.target as HTMLFormElement;
  const v = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value;
  signIn(v('username'), v('password'), v('project'))
    .then(start)
    .catch((err: unknown) => ($('signin-error').textContent = err instanceof Error ? err.message : String(err)));
});
$('signout').addEventListener('click', () => signOut());
setInterval(() => void refresh(), 2000);
const kept = sessionStorage.getItem('magnetar-console');
if (kept) start(JSON.parse(kept) as Session);
