// `get_console_output`: the serial console log of a guest on this host. A
// real guest's log is what it printed, as its driver reads it. The
// simulated guests print no real console, so the log is written from what
// is known about the server: a boot each time it was created, started,
// rebooted, rebuilt or moved, a power-down each time it was stopped, and
// the current state at the end. The tail is cut here, as Nova's compute
// manager cuts it.
import type { Handlers, Json } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { getInstance } from '../db/instances.js';
import type { InstanceFlavor, InstanceRow } from '../db/schema.js';
import { apiTimeZ, parseDbTime } from '../db/time.js';
import { findImage } from '../image/catalog.js';
import { InstanceNotFound } from '../compute/errors.js';
import { PowerState, type GuestInfo } from '../virt/driver.js';

/** Actions after which the guest boots again. */
const BOOTS = new Set(['create', 'start', 'reboot', 'rebuild', 'migrate', 'resize', 'revertResize', 'evacuate']);
/** Actions after which it has powered down, and what it printed. */
const OTHER: Readonly<Record<string, string>> = {
  stop: 'reboot: Power down',
  suspend: 'PM: suspend entry (deep)',
  resume: 'PM: suspend exit',
  pause: 'virtio: guest paused by the hypervisor',
  unpause: 'virtio: guest resumed by the hypervisor',
};

export interface ConsoleFacts {
  readonly inst: Pick<InstanceRow, 'uuid' | 'hostname' | 'image_ref' | 'flavor'>;
  readonly guest: Pick<GuestInfo, 'powerState'>;
  readonly host: string;
  /** The server's instance actions, oldest first. */
  readonly actions: ReadonlyArray<{ readonly action: string; readonly start_time: string }>;
}

const stamp = (s: number): string => `[${s.toFixed(6).padStart(12, ' ')}]`;

function bootLines(f: ConsoleFacts, at: string, imageName: string, flavor: InstanceFlavor): string[] {
  const name = f.inst.hostname;
  return [
    `${stamp(0)} Linux version 6.8.0-magnetar (buildd@magnetar) #1 SMP PREEMPT_DYNAMIC`,
    `${stamp(0)} Command line: BOOT_IMAGE=/vmlinuz root=LABEL=cloudimg-rootfs ro console=tty1 console=ttyS0`,
    `${stamp(0)} Hypervisor detected: Magnetar fake (host ${f.host})`,
    `${stamp(0.012)} Memory: ${flavor.memory_mb}MB available, ${flavor.vcpus} vCPU(s)`,
    `${stamp(0.846)} virtio_blk virtio2: [vda] ${flavor.root_gb} GiB root disk`,
    `${stamp(1.504)} EXT4-fs (vda1): mounted filesystem with ordered data mode`,
    `${stamp(2.337)} cloud-init[312]: Cloud-init v. 24.1 running 'init' at ${apiTimeZ(at)}`,
    `${stamp(2.338)} cloud-init[312]: instance-id: ${f.inst.uuid}, image: ${imageName}`,
    `${stamp(3.102)} cloud-init[312]: hostname set to ${name}`,
    '',
    `${imageName} ${name} ttyS0`,
    '',
    `${name} login: `,
  ];
}

/** The whole console log of a server's guest. */
export function consoleLog(f: ConsoleFacts): string {
  const image = f.inst.image_ref ? (findImage(f.inst.image_ref)?.name ?? f.inst.image_ref) : 'volume-backed';
  const flavor = JSON.parse(f.inst.flavor) as InstanceFlavor;
  const lines: string[] = [];
  // Kernel time stamps count from the latest boot.
  let bootedAt: number | null = null;
  const since = (at: string): number => (bootedAt === null ? 0 : Math.max(0, (parseDbTime(at).getTime() - bootedAt) / 1000));
  for (const a of f.actions) {
    if (BOOTS.has(a.action)) {
      if (lines.length > 0 && a.action !== 'start') lines.push(`${stamp(since(a.start_time))} reboot: Restarting system`);
      lines.push(...bootLines(f, a.start_time, image, flavor));
      bootedAt = parseDbTime(a.start_time).getTime();
    } else if (OTHER[a.action] !== undefined) {
      lines.push(`${stamp(since(a.start_time))} ${OTHER[a.action]!}`);
    }
  }
  // A guest that is running but whose history says nothing (e.g. started by
  // the host after a restart) still shows a boot.
  if (lines.length === 0 && f.guest.powerState === PowerState.RUNNING) lines.push(...bootLines(f, f.actions[0]?.start_time ?? '', image, flavor));
  return lines.join('\n');
}

/** The last `length` lines, as Nova's compute manager takes them (0 or unparsable → nothing; null → all; -n → all but the first n). */
export function tailLog(log: string, length: Json | undefined): string {
  if (length === null || length === undefined) return log;
  let n = 0;
  if (typeof length === 'number') n = Math.trunc(length);
  else if (typeof length === 'string' && /^\s*[-+]?\d+\s*$/.test(length)) n = parseInt(length, 10);
  if (n === 0) return '';
  return log.split('\n').slice(-n).join('\n');
}

export function consoleOutputHandlers(ctx: AgentContext): Handlers {
  return {
    async get_console_output(args) {
      const uuid = String(args['instance_uuid']);
      const guest = ctx.driver.getGuest(uuid);
      const inst = await getInstance(ctx.db.kysely, uuid);
      if (!guest || !inst) throw new InstanceNotFound(uuid);
      const real = await ctx.driver.consoleOutput(uuid);
      if (real !== null) return tailLog(real.replace(/\r\n/g, '\n').replace(/\n$/, ''), args['tail_length']);
      const actions = await ctx.db.kysely
        .selectFrom('instance_actions')
        .select(['action', 'start_time'])
        .where('instance_uuid', '=', uuid)
        .orderBy('start_time', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return tailLog(consoleLog({ inst, guest, host: ctx.host, actions }), args['tail_length']);
    },
  };
}
