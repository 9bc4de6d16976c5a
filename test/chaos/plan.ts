// Which flow reaches each crash point, and whose process dies there. A round
// takes the next point of the schedule (round-robin over CRASH_POINTS, or
// over those a mode can fire), picks one of the flows that reach it and
// arms the point in the process of the role named here.
import { CRASH_POINTS } from '../../src/crash/points.js';

export type Flow =
  | 'build'
  | 'build-to-host'
  | 'delete'
  | 'power'
  | 'snapshot'
  | 'migrate'
  | 'migrate-to-host'
  | 'resize'
  | 'confirm'
  | 'revert'
  | 'live-migrate'
  | 'live-migrate-to-host'
  | 'evacuate'
  | 'evacuate-to-host'
  | 'shelve'
  | 'unshelve'
  | 'unshelve-to-host';

/**
 * The process that dies: the API or conductor, or the compute agent of the
 * server's host before the move (`source`), of the host it moves to
 * (`destination`, so the flow names that host), or the failed source of an
 * evacuation when it comes back (`returning-source`).
 */
export type Victim = 'api' | 'conductor' | 'source' | 'destination' | 'returning-source';

export interface PointPlan {
  readonly point: string;
  readonly flows: readonly Flow[];
  readonly victim: Victim;
}

const COLD: readonly Flow[] = ['migrate', 'migrate-to-host', 'resize'];
const LIVE: readonly Flow[] = ['live-migrate', 'live-migrate-to-host'];
const EVAC: readonly Flow[] = ['evacuate', 'evacuate-to-host'];

const PLANS: Record<string, Omit<PointPlan, 'point'>> = {
  'api.create.after_commit': { flows: ['build'], victim: 'api' },
  'conductor.build.after_select': { flows: ['build'], victim: 'conductor' },
  'compute.build.after_spawn': { flows: ['build-to-host'], victim: 'destination' },
  'compute.terminate.after_destroy': { flows: ['delete'], victim: 'source' },
  'compute.power.after_driver': { flows: ['power'], victim: 'source' },
  'compute.snapshot.after_driver': { flows: ['snapshot'], victim: 'source' },
  'compute.snapshot.after_upload': { flows: ['snapshot'], victim: 'source' },
  'api.migrate.after_commit': { flows: COLD, victim: 'api' },
  'conductor.migrate.after_select': { flows: COLD, victim: 'conductor' },
  'compute.prep_resize.after_commit': { flows: ['migrate-to-host'], victim: 'destination' },
  'compute.resize_instance.after_driver': { flows: COLD, victim: 'source' },
  'compute.finish_resize.after_driver': { flows: ['migrate-to-host'], victim: 'destination' },
  'compute.confirm_resize.after_driver': { flows: ['confirm'], victim: 'source' },
  'compute.revert_resize.after_driver': { flows: ['revert'], victim: 'destination' },
  'compute.finish_revert_resize.after_driver': { flows: ['revert'], victim: 'source' },
  'api.live_migrate.after_commit': { flows: LIVE, victim: 'api' },
  'conductor.live_migrate.after_claim': { flows: LIVE, victim: 'conductor' },
  'compute.live_migration.after_pre_live_migration': { flows: LIVE, victim: 'source' },
  'compute.live_migration.during_transfer': { flows: LIVE, victim: 'source' },
  'compute.live_migration.after_transfer': { flows: LIVE, victim: 'source' },
  'compute.post_live_migration.after_driver': { flows: ['live-migrate-to-host'], victim: 'destination' },
  'compute.post_live_migration.after_commit': { flows: ['live-migrate-to-host'], victim: 'destination' },
  'compute.live_migration.after_post_at_destination': { flows: LIVE, victim: 'source' },
  'api.evacuate.after_commit': { flows: EVAC, victim: 'api' },
  'conductor.evacuate.after_select': { flows: EVAC, victim: 'conductor' },
  'compute.rebuild.after_spawn': { flows: ['evacuate-to-host'], victim: 'destination' },
  'compute.evacuation_cleanup.after_destroy': { flows: EVAC, victim: 'returning-source' },
  'compute.shelve.after_upload': { flows: ['shelve'], victim: 'source' },
  'compute.shelve_offload.after_destroy': { flows: ['shelve'], victim: 'source' },
  'conductor.unshelve.after_select': { flows: ['unshelve', 'unshelve-to-host'], victim: 'conductor' },
  'compute.unshelve.after_spawn': { flows: ['unshelve-to-host'], victim: 'destination' },
};

export function planOf(point: string): PointPlan {
  const p = PLANS[point];
  if (!p) throw new Error(`no flow reaches crash point ${point}`);
  return { point, ...p };
}

/** Every crash point has a plan (checked at start, so a new point is not silently skipped). */
export function allPlans(): PointPlan[] {
  return CRASH_POINTS.map((p) => planOf(p.name));
}

/**
 * The points of `rounds` rounds: round-robin over `plans`, starting at an
 * offset the seed picks, so short runs with different seeds cover different
 * points and a run of at least plans.length rounds covers every one.
 */
export function schedule(plans: readonly PointPlan[], rounds: number, seed: number): PointPlan[] {
  const start = plans.length === 0 ? 0 : seed % plans.length;
  return Array.from({ length: rounds }, (_, i) => plans[(start + i) % plans.length]!);
}
