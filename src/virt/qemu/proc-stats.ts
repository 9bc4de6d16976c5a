// A running guest's figures as its host sees its QEMU process, from /proc:
// CPU time, resident memory, disk bytes and start time. Cheap and
// synchronous, so diagnostics need no round trip to QEMU.
import { readFileSync } from 'node:fs';

export interface ProcessFigures {
  readonly cpuTimeNs: number;
  readonly rssMb: number;
  readonly readBytes: number;
  readonly writeBytes: number;
  readonly readOps: number;
  readonly writeOps: number;
  /** Seconds since the process started. */
  readonly uptime: number;
}

const CLOCK_TICKS = 100;

export function processFigures(pid: number): ProcessFigures | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state is [0], utime [11], stime [12], starttime [19], rss [21] (pages).
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const start = Number(fields[19]) / CLOCK_TICKS;
    const rssPages = Number(fields[21]);
    const bootUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const io: Record<string, number> = {};
    try {
      for (const line of readFileSync(`/proc/${pid}/io`, 'utf8').split('\n')) {
        const [k, v] = line.split(':');
        if (k && v) io[k.trim()] = Number(v.trim());
      }
    } catch {
      // not readable: zeros
    }
    return {
      cpuTimeNs: Math.round(((utime + stime) / CLOCK_TICKS) * 1e9),
      rssMb: Math.round((rssPages * 4096) / (1024 * 1024)),
      readBytes: io['rchar'] ?? 0,
      writeBytes: io['wchar'] ?? 0,
      readOps: io['syscr'] ?? 0,
      writeOps: io['syscw'] ?? 0,
      uptime: Math.max(0, Math.floor(bootUptime - start)),
    };
  } catch {
    return null;
  }
}
