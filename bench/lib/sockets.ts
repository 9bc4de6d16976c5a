// The TCP connections a process holds, by the port of the other end (5432
// PostgreSQL, 5672 RabbitMQ): its socket inodes under /proc/<pid>/fd matched
// with the established connections in /proc/net/tcp and tcp6 (Linux).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const ESTABLISHED = '01';

function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** How many established connections `pid` has to each of `remotePorts`. */
export function connectionsTo(pid: number, remotePorts: readonly number[]): Record<number, number> {
  const inodes = socketInodes(pid);
  const out: Record<number, number> = Object.fromEntries(remotePorts.map((p) => [p, 0]));
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== ESTABLISHED || !inodes.has(f[9]!)) continue;
      const port = parseInt(f[2]!.split(':')[1]!, 16);
      if (port in out) out[port]! += 1;
    }
  }
  return out;
}
