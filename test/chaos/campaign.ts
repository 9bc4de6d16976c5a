// `npm run chaos`: the crash campaign. In each mode (distributed: role
// processes on PostgreSQL + RabbitMQ; all-in-one: `magnetar serve` with
// simulated hosts) it runs rounds of moves with a process killed at a crash
// point and brought back, checks the invariants after each round, prints a
// line per round and a summary, writes the results where asked, and exits
// non-zero on any violation.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, type CampaignOptions } from './options.js';
import { markdown, summaryText, totalViolations, type CampaignResult } from './report.js';
import { runMode, type ModeResult } from './run-mode.js';

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export async function runCampaign(o: CampaignOptions, print: (line: string) => void = (l) => console.log(l)): Promise<CampaignResult> {
  const startedAt = new Date().toISOString();
  // The code that runs is the checkout's as the campaign starts.
  const startCommit = commit();
  let modes: ModeResult[];
  if (o.parallel) {
    // Every mode ends (and stops its deployment) before a failure of one is passed on.
    const settled = await Promise.allSettled(o.modes.map((m) => runMode(m, o, print)));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    modes = settled.map((r) => (r as PromiseFulfilledResult<ModeResult>).value);
  } else {
    modes = [];
    for (const m of o.modes) modes.push(await runMode(m, o, print));
  }
  const result: CampaignResult = { startedAt, finishedAt: new Date().toISOString(), commit: startCommit, options: o, modes };
  const write = (file: string, text: string): void => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  if (o.out) write(o.out, JSON.stringify(result, null, 2) + '\n');
  if (o.report) write(o.report, markdown(result));
  return result;
}

async function main(): Promise<void> {
  let o: CampaignOptions;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const result = await runCampaign(o);
  console.log(summaryText(result));
  process.exit(totalViolations(result) === 0 ? 0 : 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(2);
  });
}
