// A stopped guest's disk served read-only over NBD by `qemu-nbd`, for the
// destination of a cold migration or resize to copy with `qemu-img convert`.
// The server runs detached (its pid file beside the disk) so it outlives an
// agent restart until the move is confirmed or reverted.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where a disk is served: what the destination connects to. */
export interface DiskExport {
  readonly host: string;
  readonly port: number;
  readonly exportName: string;
}

export function diskExportFrom(data: unknown): DiskExport | null {
  if (data === null || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  return typeof d['host'] === 'string' && typeof d['port'] === 'number' && typeof d['exportName'] === 'string'
    ? { host: d['host'], port: d['port'], exportName: d['exportName'] }
    : null;
}

export const nbdUri = (e: DiskExport): string => `nbd://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}/${e.exportName}`;

const pidFile = (dir: string): string => join(dir, 'qemu-nbd.pid');

/** The pid of the qemu-nbd serving `disk`, if it runs. */
export function exportPid(dir: string, disk: string): number | null {
  try {
    const pid = parseInt(readFileSync(pidFile(dir), 'utf8').trim(), 10);
    if (!(pid > 0)) return null;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(disk) || /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return null;
    return pid;
  } catch {
    return null;
  }
}

/** Serves `disk` (qcow2, its backing chain included) read-only on `e`; returns once it listens. */
export async function startExport(dir: string, disk: string, e: DiskExport): Promise<void> {
  try {
    await run('qemu-nbd', ['--fork', '--persistent', '--read-only', '--shared=4', '-f', 'qcow2', '-b', e.host, '-p', String(e.port), '-x', e.exportName, '--pid-file', pidFile(dir), disk], { timeout: 30_000 });
  } catch (err) {
    const x = err as { stderr?: string; message?: string };
    throw new Error(`qemu-nbd could not serve ${disk}: ${(x.stderr ?? '').trim() || x.message || String(err)}`);
  }
}

/** Ends the export of `disk` (if any). */
export async function stopExport(dir: string, disk: string): Promise<void> {
  const pid = exportPid(dir, disk);
  if (pid !== null) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
    for (let i = 0; i < 100 && exportPid(dir, disk) !== null; i++) await new Promise((r) => setTimeout(r, 50));
  }
  rmSync(pidFile(dir), { force: true });
}
