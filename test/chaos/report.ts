// The campaign's summary: on the terminal, as JSON and as Markdown.
import { CRASH_POINTS } from '../../src/crash/points.js';
import type { CampaignOptions } from './options.js';
import type { RoundRecord } from './round.js';
import type { ModeResult } from './run-mode.js';

export interface CampaignResult {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly commit: string;
  readonly options: CampaignOptions;
  readonly modes: readonly ModeResult[];
}

export const violationsOf = (m: ModeResult): RoundRecord[] => m.rounds.filter((r) => !r.clean);
export const reachedPoints = (m: ModeResult): Set<string> => new Set(m.rounds.filter((r) => r.reached).map((r) => r.point));
export const totalViolations = (c: CampaignResult): number => c.modes.reduce((n, m) => n + violationsOf(m).length + (m.baseline.length > 0 ? 1 : 0), 0);

function violationLines(r: RoundRecord): string[] {
  return [
    `round ${r.round} (${r.mode}) ${r.point} via ${r.flow}, ${r.victim} killed; ${r.request}; server ${r.server ?? '-'} ended ${r.end}:`,
    ...r.findings.map((f) => `    ${f.kind} server ${f.server ?? '-'} migration ${f.migration ?? '-'} host ${f.host ?? '-'}: ${f.message}`),
    ...r.problems.map((p) => `    ${p}`),
  ];
}

export function summaryText(c: CampaignResult): string {
  const lines: string[] = ['', '=== chaos campaign summary'];
  for (const m of c.modes) {
    const reached = reachedPoints(m);
    const missed = [...new Set(m.rounds.map((r) => r.point))].filter((p) => !reached.has(p));
    const v = violationsOf(m);
    lines.push(
      `[${m.mode}] ${m.rounds.length} rounds in ${(m.durationMs / 60000).toFixed(1)} min; points reached ${reached.size} of the ${m.points.length} this mode arms` +
        `${missed.length ? ` (not reached: ${missed.join(', ')})` : ''}; servers made ${m.serversMade}, deleted ${m.serversDeleted}, in ERROR at the end ${m.errors.length}; violations ${v.length}`,
    );
    if (m.baseline.length) lines.push(`  the cloud was not clean before the first round:`, ...m.baseline.map((b) => `    ${b}`));
    for (const r of v) lines.push(...violationLines(r).map((l) => `  ${l}`));
    for (const e of m.errors) lines.push(`  ERROR server ${e.id}: ${e.fault}`);
  }
  const all = new Set(c.modes.flatMap((m) => [...reachedPoints(m)]));
  lines.push(`points covered over the campaign: ${all.size}/${CRASH_POINTS.length}; violations: ${totalViolations(c)}`);
  return lines.join('\n');
}

export function markdown(c: CampaignResult): string {
  const out: string[] = [
    '# Crash campaign (`npm run chaos`)',
    '',
    `_Recorded ${c.finishedAt}, run from commit \`${c.commit}\` (started ${c.startedAt}), seed ${c.options.seed}, ${c.options.servers} servers booted first in each mode, settle bound ${c.options.settleSeconds} s._`,
    '',
    'Each round takes the next crash point (round-robin over `CRASH_POINTS`), drives a flow that reaches it through the compute API as admin, kills the process of the role at that point (SIGKILL, armed as `crash:<point>`), brings it back 1–4 s later, lets the cloud settle (bounded) and requires a strict audit (`GET /v2.1/magnetar/audit?strict=true`) with zero findings plus every server the campaign made and did not delete still listed. Simulated hypervisor steps take 0.5–2 s; heartbeats and periodic tasks run every second, service_down_time 5 s.',
    '',
    '| mode | rounds | points reached | duration | mean round | servers made / deleted | ERROR at end | violations |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const m of c.modes) {
    const mean = m.rounds.length ? m.rounds.reduce((n, r) => n + r.durationMs, 0) / m.rounds.length / 1000 : 0;
    out.push(
      `| ${m.mode} | ${m.rounds.length} | ${reachedPoints(m).size} / ${m.points.length} | ${(m.durationMs / 60000).toFixed(1)} min | ${mean.toFixed(1)} s | ${m.serversMade} / ${m.serversDeleted} | ${m.errors.length} | **${violationsOf(m).length + (m.baseline.length ? 1 : 0)}** |`,
    );
  }
  const all = new Set(c.modes.flatMap((m) => [...reachedPoints(m)]));
  out.push('', `Points covered over the campaign: **${all.size} / ${CRASH_POINTS.length}**. Violations: **${totalViolations(c)}**.`, '');
  out.push('| point | ' + c.modes.map((m) => `${m.mode} rounds (reached)`).join(' | ') + ' |', '|---|' + c.modes.map(() => '---:').join('|') + '|');
  for (const p of CRASH_POINTS) {
    out.push(
      `| \`${p.name}\` | ` +
        c.modes
          .map((m) => {
            const rs = m.rounds.filter((r) => r.point === p.name);
            return rs.length ? `${rs.length} (${rs.filter((r) => r.reached).length})` : '–';
          })
          .join(' | ') +
        ' |',
    );
  }
  const v = c.modes.flatMap(violationsOf);
  if (v.length) {
    out.push('', '## Violations', '', '```');
    for (const r of v) out.push(...violationLines(r));
    out.push('```');
  }
  const errs = c.modes.flatMap((m) => m.errors.map((e) => ({ ...e, mode: m.mode })));
  if (errs.length) {
    out.push('', 'Servers in ERROR at the end (each with its fault, which the audit accepts):', '');
    for (const e of errs) out.push(`- ${e.mode} ${e.id}: ${e.fault}`);
  }
  return out.join('\n') + '\n';
}
