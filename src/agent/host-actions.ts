// The host requests of os-hosts. The simulated hypervisor accepts each and
// answers as Nova's fake driver does, changing nothing: enabling a host for
// scheduling is os-services' business, and a simulated host is stopped and
// started through Magnetar's own host endpoint.
import type { Handlers } from '../rpc/bus.js';
import type { AgentContext } from './context.js';

const POWER_ACTIONS: ReadonlySet<string> = new Set(['startup', 'shutdown', 'reboot']);

export function hostActionHandlers(ctx: AgentContext): Handlers {
  return {
    set_host_enabled(args) {
      ctx.log.info({ enabled: args['enabled'] }, 'host enable request accepted');
      return args['enabled'] === true ? 'enabled' : 'disabled';
    },
    host_maintenance_mode(args) {
      ctx.log.info({ mode: args['mode'] }, 'host maintenance request accepted');
      return args['mode'] === true ? 'on_maintenance' : 'off_maintenance';
    },
    host_power_action(args) {
      const action = String(args['action']);
      if (!POWER_ACTIONS.has(action)) throw new Error(`unknown host power action ${action}`);
      ctx.log.info({ action }, 'host power action accepted');
      return action;
    },
  };
}
