// A short crash campaign (the long one is `npm run chaos`): a few rounds in
// each mode — distributed role processes on PostgreSQL + RabbitMQ, and the
// all-in-one with its simulated hosts — each killing a process at a crash
// point in the middle of a build, move, confirm, revert, power action, snapshot,
// delete or evacuation and bringing it back. The seed (the day, unless
// MAGNETAR_CHAOS_SEED is set) picks where the round-robin over the points
// starts, so successive runs cover different points. No violation allowed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCampaign } from '../chaos/campaign.js';
import { summaryText, totalViolations } from '../chaos/report.js';

const SEED = Number(process.env['MAGNETAR_CHAOS_SEED'] ?? Math.floor(Date.now() / 86_400_000));
const ROUNDS = Number(process.env['MAGNETAR_CHAOS_ROUNDS'] ?? 5);
/**
 * No round starts after this long in a mode, so that a busy machine shortens
 * the run instead of stretching the test command; MIN_ROUNDS must still run.
 */
const MAX_MINUTES = 3;
const MIN_ROUNDS = 3;

describe('a short crash campaign', () => {
  it(`${ROUNDS} rounds in each mode (seed ${SEED}) end with the audit clean and nothing lost`, { timeout: 480_000 }, async () => {
    const lines: string[] = [];
    const result = await runCampaign(
      { rounds: ROUNDS, seed: SEED, modes: ['distributed', 'all-in-one'], servers: 4, settleSeconds: 30, out: null, report: null, parallel: true, maxMinutes: MAX_MINUTES },
      (l) => {
        lines.push(l);
        console.log(l);
      },
    );
    const summary = `${lines.join('\n')}\n${summaryText(result)}`;
    assert.equal(totalViolations(result), 0, summary);
    for (const m of result.modes) {
      assert.ok(m.rounds.length >= Math.min(MIN_ROUNDS, ROUNDS), `only ${m.rounds.length} rounds of ${m.mode} ran in ${MAX_MINUTES} min`);
      // Every round's process died at its point: the campaign exercised what it says it did.
      const missed = m.rounds.filter((r) => !r.reached);
      assert.deepEqual(missed.map((r) => `${r.point} via ${r.flow}: ${r.note ?? r.request}`), [], summary);
    }
  });
});
