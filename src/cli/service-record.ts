// Control-plane roles (scheduler, conductor) keep a service record with
// heartbeats, as Nova's do, so os-services and availability zones show them.
import type { Base } from './roles.js';
import type { Subscription } from '../rpc/bus.js';
import { heartbeat, registerService } from '../db/services.js';

/** Registers `binary` on [DEFAULT] host, heartbeats every report_interval, and stops with `sub`. */
export async function withServiceRecord(base: Base, binary: string, topic: string, sub: Subscription): Promise<Subscription> {
  const host = base.conf.str('DEFAULT', 'host');
  const svc = await registerService(base.db.kysely, host, binary, topic, base.clock.now());
  let inFlight: Promise<void> = Promise.resolve();
  const beat = (): Promise<void> =>
    (inFlight = heartbeat(base.db.kysely, svc.id, base.clock.now()).catch((err: unknown) =>
      base.log.error({ err, binary }, 'service heartbeat failed'),
    ));
  await beat();
  const ms = base.conf.num('DEFAULT', 'report_interval') * 1000;
  const timer = ms > 0 ? setInterval(() => void beat(), ms) : undefined;
  timer?.unref();
  return {
    async close() {
      if (timer) clearInterval(timer);
      // The database may be closed right after: let a heartbeat under way finish first.
      await inFlight;
      await sub.close();
    },
  };
}
