// `get_console_connection`: where a console proxy reaches one of this
// host's guests, as the hypervisor exposes it.
import type { Handlers } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { getInstance } from '../db/instances.js';
import { ConsoleNotSupported, InstanceNotFound, InstanceNotReady } from '../compute/errors.js';
import type { ConsoleProtocol } from '../virt/driver.js';

export function remoteConsoleHandlers(ctx: AgentContext): Handlers {
  return {
    async get_console_connection(args) {
      const uuid = String(args['instance_uuid']);
      const protocol = String(args['protocol']) as ConsoleProtocol;
      if (!ctx.driver.getGuest(uuid)) {
        // A guest still being built is not there yet: not ready rather than gone.
        const inst = await getInstance(ctx.db.kysely, uuid);
        if (inst?.vm_state === 'building') throw new InstanceNotReady(uuid);
        throw new InstanceNotFound(uuid);
      }
      if (!ctx.driver.consoleConnection) throw new ConsoleNotSupported();
      const c = ctx.driver.consoleConnection(uuid, protocol);
      return { host: c.host, port: c.port, tls_port: c.tlsPort, internal_access_path: c.internalAccessPath };
    },
  };
}
