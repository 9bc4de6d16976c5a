// The audit as a test's last word: every server settled where its guest is,
// migrations final, allocations exactly what is held, nothing left over.
import assert from 'node:assert/strict';
import type { Cloud } from './cloud.js';
import { sleep } from './wait.js';

/** Waits (up to `ms`) for a strict audit of the whole cloud with no finding; fails with the last findings. */
export async function assertAuditClean(c: Cloud, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  let findings: Array<{ kind: string; server: string | null; host: string | null; message: string }> = [];
  for (;;) {
    const r = await c.req('admin', 'GET', '/magnetar/audit?strict=true');
    assert.equal(r.status, 200, r.text);
    findings = r.body.audit.findings;
    if (findings.length === 0) return;
    if (Date.now() > end) break;
    await sleep(200);
  }
  assert.fail(`the audit found:\n${findings.map((f) => `  ${f.kind} ${f.server ?? '-'}@${f.host ?? '-'}: ${f.message}`).join('\n')}`);
}
