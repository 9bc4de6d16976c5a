// What can be read from (or poked into) a guest without changing its life:
// a snapshot of its disk, its console log, its process figures, network
// info recorded, an NMI for a crash dump.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PowerState, VirtDriverError, type GuestDiagnostics } from '../driver.js';
import type { QemuHost } from './host.js';
import { livePid } from './process.js';
import { processFigures } from './proc-stats.js';
import { flattenTo } from './qemu-img.js';

/** Nova's libvirt driver returns at most this much of the end of the console log. */
const MAX_CONSOLE_BYTES = 100 * 1024;

/** The guest's disk flattened into a standalone qcow2 (read while the guest runs). */
export function snapshot(h: QemuHost, uuid: string): Promise<Buffer> {
  return h.locked('snapshot', uuid, async () => {
    const { files } = h.require('snapshot', uuid);
    const tmp = join(files.dir, `snapshot-${process.pid}-${Date.now()}.qcow2`);
    try {
      await flattenTo(files.disk, tmp).catch((e: unknown) => {
        throw new VirtDriverError('snapshot', (e as Error).message);
      });
      return readFileSync(tmp);
    } finally {
      rmSync(tmp, { force: true });
    }
  });
}

/** Nothing to change inside a guest without an agent in it; recorded, as Nova's libvirt driver only records it. */
export function injectNetworkInfo(h: QemuHost, uuid: string, networkInfo: unknown): Promise<void> {
  return h.locked('inject_network_info', uuid, async () => {
    const { files, record } = h.require('inject_network_info', uuid);
    const copy = networkInfo === undefined ? null : (JSON.parse(JSON.stringify(networkInfo)) as unknown);
    h.save(files, { ...record, networkInfo: copy, networkInjections: record.networkInjections + 1 });
  });
}

export function triggerCrashDump(h: QemuHost, uuid: string): Promise<void> {
  return h.locked('trigger_crash_dump', uuid, async () => {
    const { files } = h.requireState('trigger_crash_dump', uuid, [PowerState.RUNNING, PowerState.PAUSED]);
    await h.qmp(files, 'trigger_crash_dump', (c) => c.execute('inject-nmi'));
  });
}

/**
 * The figures of the guest's QEMU process as the host sees it: CPU time,
 * resident memory, bytes it read and wrote, time since it started.
 */
export function diagnostics(h: QemuHost, uuid: string): GuestDiagnostics | undefined {
  const files = h.files(uuid);
  const r = files.read();
  if (!r) return undefined;
  const powerState = h.powerOf(files, r);
  const pid = livePid(files, uuid);
  const p = pid === null ? null : processFigures(pid);
  const running = powerState === PowerState.RUNNING;
  return {
    powerState,
    hypervisor: h.opts.virtType,
    hypervisorOs: 'linux',
    uptime: running && p ? p.uptime : null,
    cpus: Array.from({ length: r.spec.vcpus }, (_, id) => ({ id, timeNs: p ? Math.round(p.cpuTimeNs / r.spec.vcpus) : 0, utilisation: 0 })),
    memory: { maximumMb: r.spec.memoryMb, usedMb: p ? Math.min(r.spec.memoryMb, p.rssMb) : 0 },
    disks: [
      {
        name: 'vda',
        readBytes: p?.readBytes ?? 0,
        readRequests: p?.readOps ?? 0,
        writeBytes: p?.writeBytes ?? 0,
        writeRequests: p?.writeOps ?? 0,
        errors: 0,
      },
    ],
  };
}

/** The end of the guest's real serial console log. */
export async function consoleOutput(h: QemuHost, uuid: string): Promise<string | null> {
  const { files } = h.require('get_console_output', uuid);
  if (!existsSync(files.console)) return '';
  const fd = openSync(files.console, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, MAX_CONSOLE_BYTES);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
