// What `magnetar host drain|evacuate` shows while it works and when it ends:
// on a terminal, one line per server redrawn in place; otherwise one
// timestamped line per change (for logs and CI); then a table of every
// server's outcome.
import type { Writable } from 'node:stream';
import type { MoveOutcome } from './follow.js';
import type { ServerSeen } from './plan.js';

export interface Progress {
  update(server: ServerSeen, text: string): void;
  /** Stops redrawing; what is on screen stays. */
  end(): void;
}

const label = (s: ServerSeen): string => (s.name !== '' ? `${s.name} (${s.id})` : s.id);

export function progressDisplay(out: Writable & { isTTY?: boolean }): Progress {
  if (!out.isTTY) {
    return {
      update: (s, text) => out.write(`${new Date().toISOString()} ${label(s)}: ${text}\n`),
      end: () => undefined,
    };
  }
  const lines = new Map<string, string>();
  let drawn = 0;
  const draw = (): void => {
    // Move up over the previous frame and clear it, then write the new one.
    const frame = [...lines.values()];
    out.write(`${drawn > 0 ? `\x1b[${drawn}F` : ''}\x1b[J${frame.map((l) => `${l}\n`).join('')}`);
    drawn = frame.length;
  };
  return {
    update: (s, text) => {
      lines.set(s.id, `${label(s)}: ${text}`);
      draw();
    },
    end: () => undefined,
  };
}

/** A table in the `openstack` client's style. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const row = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [rule, row(headers), rule, ...rows.map(row), rule].join('\n') + '\n';
}

export function outcomeTable(outcomes: readonly MoveOutcome[]): string {
  return table(
    ['Server', 'ID', 'Result', 'Move', 'From', 'To', 'Seconds', 'Detail'],
    outcomes.map((o) => [o.server.name, o.server.id, o.result, o.kind ?? '-', o.from, o.to ?? '-', o.seconds.toFixed(1), o.detail]),
  );
}

export function summary(outcomes: readonly MoveOutcome[]): string {
  const n = (r: MoveOutcome['result']) => outcomes.filter((o) => o.result === r).length;
  return `${n('moved')} moved, ${n('failed')} failed, ${n('skipped')} skipped of ${outcomes.length} server(s)\n`;
}
