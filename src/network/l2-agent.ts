// The network service's simulated L2 agent. A port bound to a host is DOWN
// until that host's agent has wired it (here, `[magnetar] port_wiring_delay`
// after the binding), then ACTIVE — as Neutron's OVS agent reports a port up
// once its device shows up on the host. Every ACTIVE/DOWN change of a
// server's port is told to the compute service (network-vif-plugged,
// network-vif-unplugged), which is what a build waits for.
//
// A port's inactive binding (a live migration's destination) is wired too,
// as the destination's agent wires the VIF the guest plugs there before the
// switch-over: the port stays as it is (ACTIVE on the source) and the
// compute service hears network-vif-plugged, which a live migration's
// source waits for before it transfers the guest.
//
// The wiring is recorded on the port (`l2_host`, the host it was wired on;
// `wired` on an inactive binding), so a port a dead process left bound but
// unwired is wired by the next one at its start; processes wiring the same
// port settle by its revision, and only the one whose write lands tells the
// compute service.
import type { NetworkEnv } from './env.js';
import { revised } from './env.js';
import { awaitsWiring, portStatus } from './ports.js';
import { inactiveAwaitingWiring, inactiveOf } from './port-bindings.js';
import type { Resource } from './store.js';

export interface L2Agent {
  /** After a port's write is committed: tells of a status change, and wires it if it awaits wiring. */
  portWritten(before: Resource | undefined, after: Resource): void;
  /** Wires the ports left bound but unwired (start-up). */
  start(): Promise<void>;
  stop(): void;
}

interface Log {
  warn(o: object, msg: string): void;
}

const serverOf = (p: Resource | undefined): string =>
  p !== undefined && String(p['device_owner'] ?? '').startsWith('compute:') ? String(p['device_id'] ?? '') : '';

const needsWiring = (p: Resource): boolean => awaitsWiring(p) || inactiveAwaitingWiring(p).length > 0;

export function l2Agent(env: Omit<NetworkEnv, 'l2'>, delaySeconds: number, log: Log): L2Agent {
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  const portWritten = (before: Resource | undefined, after: Resource): void => {
    const was = before === undefined ? 'DOWN' : portStatus(before);
    const now = portStatus(after);
    if (was !== now && (was === 'ACTIVE' || now === 'ACTIVE')) {
      // Unbound and given back in one write: the server it was plugged into hears of it.
      const server = serverOf(after) || serverOf(before);
      if (server !== '') env.compute?.portStatusChanged(server, after.id, now === 'ACTIVE' ? 'ACTIVE' : 'DOWN');
    }
    if (needsWiring(after)) schedule(after.id);
  };

  const wire = async (id: string): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await env.store.get('network_ports', id);
      if (!port || !needsWiring(port)) return;
      const plugged = inactiveAwaitingWiring(port);
      const next = revised(env, port, {
        ...(awaitsWiring(port) && { l2_host: port['binding:host_id'] }),
        ...(plugged.length > 0 && { inactive_bindings: inactiveOf(port).map((b) => (plugged.includes(b.host) ? { ...b, wired: true } : b)) }),
      });
      if (await env.store.replace('network_ports', next)) {
        portWritten(port, next);
        // Plugged on a host it is not active on yet: the status stays, the plug is told all the same.
        const server = serverOf(next);
        if (plugged.length > 0 && server !== '') env.compute?.portStatusChanged(server, id, 'ACTIVE');
        return;
      }
    }
    // Changed under every try: whoever changed it last scheduled its own wiring.
  };

  const schedule = (id: string): void => {
    if (stopped || delaySeconds < 0 || timers.has(id)) return;
    const t = setTimeout(() => {
      timers.delete(id);
      wire(id).catch((err: unknown) => {
        if (!stopped) log.warn({ err, port: id }, 'could not wire a port');
      });
    }, delaySeconds * 1000);
    t.unref();
    timers.set(id, t);
  };

  return {
    portWritten,
    async start() {
      for (const p of await env.store.list('network_ports')) if (needsWiring(p)) schedule(p.id);
    },
    stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
