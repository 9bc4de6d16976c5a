// One mode of the campaign: start the deployment, boot the first servers,
// check the cloud is clean, run the rounds, stop the deployment.
import { startAllInOne } from './all-in-one.js';
import { isAtRest, waitServer } from './cloud.js';
import type { Deployment, Mode } from './deployment.js';
import { startDistributed } from './distributed.js';
import type { CampaignOptions } from './options.js';
import { allPlans, schedule } from './plan.js';
import { Random } from '../support/fuzz/random.js';
import { runRound, type RoundRecord } from './round.js';
import { settle } from './settle.js';
import { Tracker } from './tracker.js';

export const HOSTS = ['compute1', 'compute2', 'compute3', 'compute4'];

/**
 * Every simulated hypervisor step takes 0.5–2 s; heartbeats, periodic tasks
 * and the resending of unclaimed work run every second, so a settle bound of
 * a few tens of seconds is a few heartbeat intervals of service_down_time.
 */
export const SETTINGS = [
  'DEFAULT.report_interval=1',
  'DEFAULT.periodic_interval=1',
  'DEFAULT.service_down_time=5',
  'magnetar.job_retry_interval=1',
  'magnetar.job_lease_time=3',
  'identity.token_expiration=86400',
  'fake.spawn_delay=0.5,2',
  'fake.destroy_delay=0.5,2',
  'fake.power_delay=0.5,2',
  'fake.migrate_delay=0.5,2',
  'fake.live_migration_delay=0.5,2',
  'fake.precheck_delay=0.5,2',
];

export interface ModeResult {
  readonly mode: Mode;
  readonly rounds: readonly RoundRecord[];
  /** Points this mode can arm. */
  readonly points: readonly string[];
  /** Violations of the cloud before the first round (the baseline must be clean). */
  readonly baseline: readonly string[];
  readonly serversMade: number;
  readonly serversDeleted: number;
  /** Servers in ERROR at the end, with their fault. */
  readonly errors: ReadonlyArray<{ id: string; fault: string }>;
  readonly durationMs: number;
}

async function start(mode: Mode): Promise<Deployment> {
  return mode === 'distributed' ? startDistributed(HOSTS, SETTINGS) : startAllInOne(HOSTS, SETTINGS);
}

export async function runMode(mode: Mode, o: CampaignOptions, print: (line: string) => void): Promise<ModeResult> {
  const t0 = Date.now();
  const dep = await start(mode);
  try {
    const rng = new Random(o.seed * 7919 + (mode === 'distributed' ? 1 : 2));
    const tracker = new Tracker();
    const imageRef = await dep.api.imageId('cirros');
    print(`[${mode}] started (${HOSTS.length} compute hosts) in ${((Date.now() - t0) / 1000).toFixed(1)} s; booting ${o.servers} servers`);
    const ids: string[] = [];
    for (let i = 0; i < o.servers; i++) {
      const r = await dep.api.call('POST', '/servers', { server: { name: `chaos-${mode === 'distributed' ? 'd' : 'a'}0-${i}`, flavorRef: '1', imageRef, networks: 'none' } }, '2.37');
      if (r.status !== 202) throw new Error(`boot answered ${r.status}: ${JSON.stringify(r.body)}`);
      tracker.add(r.body.server.id, r.body.server.name ?? `chaos-0-${i}`);
      ids.push(r.body.server.id);
    }
    for (const id of ids) await waitServer(dep.api, id, (s) => s !== null && isAtRest(s), 60_000);
    const base = await settle(dep.api, tracker, o.settleSeconds * 1000);
    const baseline = [...base.findings.map((f) => `${f.kind} ${f.server ?? '-'}@${f.host ?? '-'}: ${f.message}`), ...base.problems];

    const plans = allPlans().filter((p) => dep.canArm(p.point.split('.')[0] as 'api' | 'conductor' | 'compute'));
    const rounds: RoundRecord[] = [];
    for (const [i, plan] of schedule(plans, o.rounds, o.seed).entries()) {
      if (o.maxMinutes > 0 && Date.now() - t0 > o.maxMinutes * 60_000) {
        print(`[${mode}] ${o.maxMinutes} min are up: stopping after ${i} of ${o.rounds} rounds`);
        break;
      }
      const roundStart = Date.now();
      const rec = await runRound(
        { dep, rng, tracker, imageRef, settleMs: o.settleSeconds * 1000, reachMs: 30_000, restartAfterMs: [1000, 4000] },
        i + 1,
        plan,
      ).catch((err: Error): RoundRecord => ({
        // The campaign itself failed (e.g. a process did not start again in time): counted, never hidden.
        mode, round: i + 1, point: plan.point, flow: plan.flows[0]!, victim: '', server: null, request: '', reached: false,
        restartAfterMs: 0, settleMs: 0, clean: false, findings: [], problems: [`the round could not run: ${err.message}`], end: '-',
        durationMs: Date.now() - roundStart,
      }));
      rounds.push(rec);
      print(roundLine(rec, o.rounds));
    }

    const errors: Array<{ id: string; fault: string }> = [];
    for (const id of tracker.alive.keys()) {
      const r = await dep.api.get(`/servers/${id}`);
      if (r.body?.server?.status === 'ERROR') errors.push({ id, fault: r.body.server.fault?.message ?? '(no fault)' });
    }
    return { mode, rounds, points: plans.map((p) => p.point), baseline, serversMade: tracker.created, serversDeleted: tracker.deleted.size, errors, durationMs: Date.now() - t0 };
  } finally {
    await dep.close();
  }
}

export function roundLine(r: RoundRecord, of: number): string {
  const outcome = r.clean ? 'clean' : `VIOLATION (${r.findings.length} audit finding(s), ${r.problems.length} other)`;
  return (
    `[${r.mode}] round ${r.round}/${of} ${r.point} via ${r.flow}` +
    ` — ${r.request || 'no request'}; ${r.victim || 'nobody'} ${r.reached ? `died, back after ${(r.restartAfterMs / 1000).toFixed(1)} s` : 'did not reach the point'}` +
    `; server ${r.end}; settled in ${(r.settleMs / 1000).toFixed(1)} s: ${outcome}${r.note ? ` [${r.note}]` : ''} (${(r.durationMs / 1000).toFixed(1)} s)`
  );
}
