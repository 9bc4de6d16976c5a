// What a host tells about itself on request: `get_host_uptime` answers in
// the shape of the `uptime` command, which is what Nova's API passes on;
// `list_guests` answers with the guests its hypervisor holds, for the audit.
import type { Handlers } from '../rpc/bus.js';
import type { GuestInfo } from '../virt/driver.js';
import type { AgentContext } from './context.js';

/** One guest as `list_guests` reports it. */
export interface ListedGuest {
  readonly uuid: string;
  readonly power_state: number;
  /** Destination of the cold migration or resize this guest is the source of, else null. */
  readonly migrating_to: string | null;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** ` HH:MM:SS up <duration>,  1 user,  load average: 0.00, 0.00, 0.00` */
export function uptimeText(now: Date, upSeconds: number): string {
  const clock = `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}`;
  const totalMin = Math.floor(upSeconds / 60);
  const days = Math.floor(totalMin / 1440);
  const hours = Math.floor((totalMin % 1440) / 60);
  const mins = totalMin % 60;
  const dayPart = days > 0 ? `${days} day${days === 1 ? '' : 's'}, ` : '';
  const timePart = hours > 0 ? `${hours}:${pad(mins)}` : `${mins} min`;
  return ` ${clock} up ${dayPart}${timePart},  1 user,  load average: 0.00, 0.00, 0.00`;
}

export function listedGuest(g: GuestInfo): ListedGuest {
  return { uuid: g.uuid, power_state: g.powerState, migrating_to: g.migratingTo };
}

export function hostInfoHandlers(ctx: AgentContext): Handlers {
  return {
    get_host_uptime() {
      return uptimeText(ctx.clock.now(), ctx.driver.uptime());
    },
    list_guests() {
      return ctx.driver.listGuests().map((g) => ({ ...listedGuest(g) }));
    },
  };
}
