// A benchmark's recorded result as bench/results/<name>.json holds it, and
// the line that says when, where and on what it was measured.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Recorded<T> {
  readonly benchmark?: string;
  readonly recordedAt: string;
  readonly commit: string;
  readonly machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform?: string };
  readonly loadAverage?: { readonly start: number; readonly end: number };
  readonly result: T;
}

export function loadRecorded<T>(dir: string, name: string): Recorded<T> | null {
  const f = join(dir, `${name}.json`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Recorded<T>) : null;
}

/** `_Recorded … at commit … on …; 1-min load average …_`, with `aside` after the load figures. */
export function stamp(r: Recorded<unknown>, aside = ''): string {
  return (
    `_Recorded ${r.recordedAt} at commit \`${r.commit}\` on ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}` +
    (r.loadAverage ? `; 1-min load average ${r.loadAverage.start} at start, ${r.loadAverage.end} at end${aside}._` : '._')
  );
}
