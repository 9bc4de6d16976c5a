// Tells the compute service when a server's ports change, as Neutron's nova
// notifier does: `network-changed` events for the servers owning the ports
// (device_owner compute:*), and `network-vif-plugged`/`-unplugged` when such
// a port goes ACTIVE or DOWN; batched over a short interval and sent after
// the change is committed, through the compute API's
// os-server-external-events as the `[nova]` user. A failed send is logged
// and dropped, as Neutron drops it: the compute side refreshes its view on
// its own next change, and a build waiting for a lost plug event times out.
import type { Config } from '../config/config.js';
import { ServiceUser } from '../identity/service-user.js';
import { send } from '../identity/keystone-session.js';
import type { NetworkStore } from './store.js';

export interface ComputeNotifier {
  /** The ports whose addresses, groups or floating IPs changed (committed). */
  portsChanged(portIds: readonly (string | null | undefined)[]): void;
  /** A server's port went ACTIVE (plugged) or DOWN (unplugged) (committed). */
  portStatusChanged(serverUuid: string, portId: string, status: 'ACTIVE' | 'DOWN'): void;
}

interface ExternalEvent {
  readonly name: string;
  readonly server_uuid: string;
  readonly tag: string;
  readonly status?: string;
}

interface Log {
  warn(o: object, msg: string): void;
}

/** `[DEFAULT] send_events_interval` of Neutron, shortened: one batch per this many ms. */
const BATCH_MS = 200;

export function novaNotifier(conf: Config, store: NetworkStore, log: Log): ComputeNotifier {
  const onData = conf.bool('DEFAULT', 'notify_nova_on_port_data_changes');
  const onStatus = conf.bool('DEFAULT', 'notify_nova_on_port_status_changes');
  const user = new ServiceUser(conf, 'nova', 'compute');
  const pending = new Set<string>();
  const statusEvents: ExternalEvent[] = [];
  let timer: NodeJS.Timeout | null = null;

  const flush = async (): Promise<void> => {
    timer = null;
    const ids = [...pending];
    pending.clear();
    const plugs = statusEvents.splice(0);
    const ports = await store.list('network_ports', { column: 'id', in: ids });
    const events: ExternalEvent[] = [
      ...ports
        .filter((p) => String(p['device_owner'] ?? '').startsWith('compute:') && String(p['device_id'] ?? '') !== '')
        .map((p) => ({ name: 'network-changed', server_uuid: String(p['device_id']), tag: p.id })),
      ...plugs,
    ];
    if (events.length === 0) return;
    const { token } = await user.session.token();
    const r = await send(
      `${await user.endpoint()}/os-server-external-events`,
      { method: 'POST', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' }, body: JSON.stringify({ events }) },
      user.timeoutMs,
    );
    if (r.status !== 200 && r.status !== 207) log.warn({ status: r.status, events: events.length }, 'the compute service refused port events');
    await r.body?.cancel();
  };

  const schedule = (): void => {
    if ((pending.size === 0 && statusEvents.length === 0) || timer) return;
    timer = setTimeout(() => void flush().catch((err: unknown) => log.warn({ err }, 'could not send port events to the compute service')), BATCH_MS);
    timer.unref();
  };

  return {
    portsChanged(portIds) {
      if (!onData) return;
      for (const id of portIds) if (id) pending.add(id);
      schedule();
    },
    portStatusChanged(serverUuid, portId, status) {
      if (!onStatus) return;
      statusEvents.push({ name: status === 'ACTIVE' ? 'network-vif-plugged' : 'network-vif-unplugged', server_uuid: serverUuid, tag: portId, status: 'completed' });
      schedule();
    },
  };
}
