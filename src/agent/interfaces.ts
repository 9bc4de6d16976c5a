// Attaching and detaching a port on the server's host (os-interface): the
// port made or claimed and bound here, or deleted or given back, then the
// network info cache refreshed and handed to the guest. A detach run again
// finds the port gone and only refreshes the cache.
import type { Handlers } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { hostEvent } from './context.js';
import { getInstance } from '../db/instances.js';
import { attachPort, detachPort, portsEnvOf } from '../compute/neutron/server-ports.js';

export function interfaceHandlers(ctx: AgentContext): Handlers {
  const ports = portsEnvOf(ctx);
  return {
    async attach_interface(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const inst = await getInstance(ctx.db.kysely, uuid);
      if (!inst || inst.host !== ctx.host) throw new Error(`Instance ${uuid} is not on ${ctx.host}`);
      return hostEvent(ctx, uuid, mctx.requestId, 'attach_interface', async () => {
        const { portId, networkInfo } = await attachPort(ports, inst, ctx.host, {
          networkId: String(args['network_id']),
          portId: typeof args['port_id'] === 'string' ? args['port_id'] : undefined,
          fixedIp: typeof args['fixed_ip'] === 'string' ? args['fixed_ip'] : undefined,
          tag: typeof args['tag'] === 'string' ? args['tag'] : undefined,
        });
        if (ctx.driver.getGuest(uuid)) await ctx.driver.injectNetworkInfo(uuid, networkInfo);
        return portId;
      });
    },

    async detach_interface(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const inst = await getInstance(ctx.db.kysely, uuid);
      if (!inst || inst.host !== ctx.host) return;
      await hostEvent(ctx, uuid, mctx.requestId, 'detach_interface', async () => {
        const networkInfo = await detachPort(ports, inst, String(args['port_id']));
        if (ctx.driver.getGuest(uuid)) await ctx.driver.injectNetworkInfo(uuid, networkInfo);
      });
    },
  };
}
