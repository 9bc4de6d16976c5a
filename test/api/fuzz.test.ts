// Fuzzing the compute API: thousands of generated requests over every route
// (read from the route modules), with real and garbage ids, odd bodies,
// headers, query strings and tokens, seeded so a run can be replayed
// (MAGNETAR_FUZZ_SEED; MAGNETAR_FUZZ_COUNT sets how many). Every answer is a
// well-formed Nova answer and never a 5xx; a request built to be refused is
// refused; and a batch whose changing requests were all refused leaves the
// database exactly as it was.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startCloud, type Cloud } from '../support/cloud.js';
import { snapshotDiff, snapshotRows } from '../support/db-snapshot.js';
import { until } from '../support/wait.js';
import { buildFixture, type FuzzFixture } from '../support/fuzz/fixture.js';
import { Random, fuzzSeed } from '../support/fuzz/random.js';
import { RequestGenerator, type FuzzRequest } from '../support/fuzz/requests.js';
import { responseProblem } from '../support/fuzz/response-shape.js';
import { computeEndpoints } from '../support/fuzz/routes.js';

/** Short enough for every test run; a longer campaign sets MAGNETAR_FUZZ_COUNT. */
const COUNT = Number(process.env['MAGNETAR_FUZZ_COUNT'] || 5_000);
/** Requests in flight at once. */
const CONCURRENCY = 16;
/** Stop collecting after this many findings: the report stays readable. */
const MAX_FINDINGS = 30;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

describe('compute API fuzz', () => {
  let c: Cloud;
  let fixture: FuzzFixture;
  // node:http rather than fetch: a third of the client's work per request,
  // and the path goes out exactly as generated.
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  before(async () => {
    c = await startCloud();
    fixture = await buildFixture(c);
  });
  after(async () => {
    agent.destroy();
    await c.stop();
  });

  const send = (q: FuzzRequest): Promise<Answer> =>
    new Promise((resolve, reject) => {
      // Node's client sends a DELETE or OPTIONS body without a length unless told.
      const headers = q.body === undefined ? q.headers : { ...q.headers, 'Content-Length': String(q.body.length) };
      const req = http.request(`${c.computeUrl}${q.url}`, { method: q.method, headers, agent }, (res) => {
        // An event stream (GET /magnetar/events) never ends: its status and headers are the answer.
        if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          res.destroy();
          req.destroy();
          return resolve({ status: res.statusCode ?? 0, headers, text: '' });
        }
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(q.body);
    });

  const show = (q: FuzzRequest, a?: Answer): string => {
    const body = q.body === undefined ? '' : ` body=${Buffer.from(q.body).toString('utf8').slice(0, 300)}`;
    const headers = Object.entries(q.headers)
      .filter(([k]) => k !== 'X-Auth-Token')
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ');
    const answer = a ? ` → ${a.status} ${a.text.slice(0, 300)}` : '';
    return `${q.method} ${q.url.slice(0, 300)} [${headers}]${body}${answer}`;
  };

  it(`answers ${COUNT} generated requests over every route: no 5xx, well formed, and a refused change changes nothing`, async (t) => {
    const seed = fuzzSeed();
    t.diagnostic(`seed ${seed} (replay with MAGNETAR_FUZZ_SEED=${seed})`);
    const started = Date.now();
    const gen = new RequestGenerator(new Random(seed), computeEndpoints(), fixture);
    const findings: string[] = [];
    const tally = { sent: 0, refusedChanges: 0, acceptedChanges: 0, checkedBatches: 0 };
    let before = await snapshotRows(c);

    // Most requests are reads or changes built to be refused; the rest may
    // change rows (and then their batch is not held to "nothing changed").
    const phases = [
      { count: Math.ceil(COUNT * 0.9), make: () => gen.rejected() },
      { count: Math.floor(COUNT * 0.1), make: () => gen.mayChange() },
    ];
    for (const phase of phases) {
      for (let done = 0; done < phase.count && findings.length < MAX_FINDINGS; done += CONCURRENCY) {
        const batch = Array.from({ length: Math.min(CONCURRENCY, phase.count - done) }, phase.make);
        const answers = await Promise.all(batch.map(send));
        tally.sent += batch.length;
        let changeAccepted = false;
        batch.forEach((q, i) => {
          const a = answers[i]!;
          const problem = responseProblem(q.method, a.status, a.headers, a.text);
          if (problem) findings.push(`${problem}: ${show(q, a)}`);
          if (!q.mutating) return;
          if (a.status < 300) {
            tally.acceptedChanges++;
            changeAccepted = true;
            if (q.mustReject) findings.push(`accepted although built to be refused (${q.mustReject}): ${show(q, a)}`);
          } else tally.refusedChanges++;
        });
        // An accepted change may go on behind its answer (a job for a host or the
        // conductor): the next batch is held to "nothing changed" once it is done.
        if (changeAccepted) await until('accepted work to finish', () => c.aio.base.db.kysely.selectFrom('jobs').select('id').execute(), (j) => j.length === 0, 20_000);
        const after = await snapshotRows(c);
        if (!changeAccepted) {
          tally.checkedBatches++;
          const diff = snapshotDiff(before, after);
          if (diff.length > 0) {
            findings.push(
              `refused requests changed the database:\n  ${diff.slice(0, 6).join('\n  ')}\n  batch:\n  ${batch.filter((q) => q.mutating).map((q) => show(q)).join('\n  ')}`,
            );
          }
        }
        before = after;
      }
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    t.diagnostic(
      `${tally.sent} requests in ${seconds} s: ${tally.refusedChanges} changes refused, ${tally.acceptedChanges} accepted, ${tally.checkedBatches} batches checked unchanged`,
    );
    assert.deepEqual(findings, [], `seed ${seed}: replay with MAGNETAR_FUZZ_SEED=${seed}`);
    assert.ok(tally.sent >= COUNT || findings.length > 0);
  });
});
