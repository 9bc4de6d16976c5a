// Remote consoles: a URL through the console proxy of the protocol, with a
// fresh token that tells the proxy which guest console to reach. The server
// needs a host (409 not ready) and no delete or live migration under way
// (409); the protocol must be enabled (400 unavailable) and the type its
// own (400 invalid); the host's hypervisor says where the console is.
import { randomUUID } from 'node:crypto';
import type { InstanceRow } from '../db/schema.js';
import { MessagingTimeout, RemoteError } from '../rpc/bus.js';
import { saveConsoleToken } from '../db/console-auth-tokens.js';
import { ConsoleNotSupported, Invalid, InstanceInvalidState, InstanceNotFound, InstanceNotReady, ServiceUnavailable } from './errors.js';
import { hostIsUp } from './guards.js';
import type { ComputeService } from './service.js';
import type { ConsoleProtocol } from '../virt/driver.js';

/** Per protocol: the option that enables it, the types it serves and each type's proxy URL option. */
const PROTOCOLS: Readonly<Record<ConsoleProtocol, { section: string; types: Readonly<Record<string, string>>; method: string }>> = {
  vnc: { section: 'vnc', types: { novnc: 'novncproxy_base_url' }, method: 'get_vnc_console' },
  spice: { section: 'spice', types: { 'spice-html5': 'html5proxy_base_url', 'spice-direct': 'spice_direct_proxy_base_url' }, method: 'get_spice_console' },
  serial: { section: 'serial_console', types: { serial: 'base_url' }, method: 'get_serial_console' },
  mks: { section: 'mks', types: { webmks: 'mksproxy_base_url' }, method: 'get_mks_console' },
};

/** The URL a user opens: noVNC takes the token inside its `path` parameter, the other proxies as `token`. */
export function accessUrl(base: string, consoleType: string, token: string): string {
  if (consoleType === 'novnc') return `${base}?${new URLSearchParams({ path: `?token=${token}` }).toString()}`;
  return `${base}?token=${token}`;
}

export async function getRemoteConsole(svc: ComputeService, requestId: string, inst: InstanceRow, protocol: ConsoleProtocol, consoleType: string): Promise<string> {
  const p = PROTOCOLS[protocol];
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  if (inst.task_state === 'deleting' || inst.task_state === 'migrating') throw new InstanceInvalidState(inst.uuid, p.method, 'task_state', inst.task_state);
  if (!svc.conf.bool(p.section, 'enabled')) throw new Invalid(`Unavailable console type ${consoleType}.`);
  const urlOption = p.types[consoleType];
  if (urlOption === undefined) throw new Invalid(`Invalid console type ${consoleType}`);
  if (!(await hostIsUp(svc, inst.host))) throw new ServiceUnavailable();
  let c: { host: string; port: number; tls_port: number | null; internal_access_path: string | null };
  try {
    c = (await svc.bus.call(`compute.${inst.host}`, 'get_console_connection', { instance_uuid: inst.uuid, protocol }, { requestId })) as typeof c;
  } catch (err) {
    if (err instanceof MessagingTimeout) throw new ServiceUnavailable();
    if (err instanceof RemoteError && err.remoteName === 'InstanceNotReady') throw new InstanceNotReady(inst.uuid);
    if (err instanceof RemoteError && err.remoteName === 'InstanceNotFound') throw new InstanceNotFound(inst.uuid);
    if (err instanceof RemoteError && err.remoteName === 'ConsoleNotSupported') throw new ConsoleNotSupported();
    throw err;
  }
  const token = randomUUID();
  await saveConsoleToken(
    svc.db.kysely,
    token,
    {
      consoleType,
      host: c.host,
      port: c.port,
      tlsPort: c.tls_port ?? null,
      // A SPICE client connecting directly needs no proxy path.
      internalAccessPath: consoleType === 'spice-direct' ? null : (c.internal_access_path ?? null),
      instanceUuid: inst.uuid,
    },
    svc.clock.now(),
    svc.conf.num('consoleauth', 'token_ttl'),
  );
  return accessUrl(svc.conf.str(p.section, urlOption), consoleType, token);
}
