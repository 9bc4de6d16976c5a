// After a round: wait (bounded) until the cloud is at rest and check the
// invariants — the strict audit (every server at rest or in ERROR with a
// fault, recorded host = the one host holding its guest, migrations final,
// allocations exact, none over capacity) and the campaign's own "nothing
// lost": every server it made and did not delete is listed, none it deleted
// is. Whatever still fails when the bound is reached is a violation.
import type { ApiClient } from './api-client.js';
import { listServers, strictAudit, type AuditFinding } from './cloud.js';
import { sleep } from './deployment.js';
import type { Tracker } from './tracker.js';

export interface SettleResult {
  readonly clean: boolean;
  readonly ms: number;
  readonly findings: readonly AuditFinding[];
  /** The campaign's own checks that failed. */
  readonly problems: readonly string[];
}

async function lostOrLingering(api: ApiClient, tracker: Tracker): Promise<string[]> {
  const listed = new Map((await listServers(api)).map((s) => [s.id, s]));
  const problems: string[] = [];
  for (const [id, name] of tracker.alive) if (!listed.has(id)) problems.push(`server ${id} (${name}) is lost: not listed though never deleted`);
  for (const id of tracker.deleted) {
    const s = listed.get(id);
    if (s) problems.push(`server ${id} (${s.name}) is still listed (${s.status}, task ${s.task ?? 'none'}) after its delete was accepted`);
  }
  return problems;
}

export async function settle(api: ApiClient, tracker: Tracker, boundMs: number): Promise<SettleResult> {
  const start = Date.now();
  for (;;) {
    let findings: AuditFinding[] = [];
    let problems: string[] = [];
    try {
      findings = await strictAudit(api);
      problems = await lostOrLingering(api, tracker);
    } catch (err) {
      problems = [`the checks could not be made: ${(err as Error).message}`];
    }
    const ms = Date.now() - start;
    if (findings.length === 0 && problems.length === 0) return { clean: true, ms, findings, problems };
    if (ms > boundMs) return { clean: false, ms, findings, problems };
    await sleep(500);
  }
}
