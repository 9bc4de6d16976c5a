// Crash points: named places in the move flows where a process can be made to
// die on purpose, so that crash safety is tested by real crashes at the
// moments that matter (between a database commit and the message that
// follows it, between a hypervisor step and its record) instead of by mocks.
//
// A point is armed with a fault rule whose step is `crash:<point>` — in
// `[fake] faults` at start (any role) or through `POST /v2.1/magnetar/faults`
// at run time (compute agents) — e.g. `crash:compute.resize_instance.after_driver@compute2*1`.
// A rule's host narrows it to one compute host, its server to one server.
// When a point fires, a separate role process kills itself with SIGKILL; a
// simulated host of the all-in-one dies alone (its agent stops dead, its
// guests keep running), as if its `magnetar compute` process had been killed.

/** The role whose process dies at the point. */
export type CrashRole = 'api' | 'conductor' | 'compute';

export interface CrashPointInfo {
  readonly name: string;
  readonly role: CrashRole;
  /** What has happened, and what has not, when the process dies here. */
  readonly when: string;
}

const point = (name: string, when: string): CrashPointInfo => ({ name, role: name.split('.')[0] as CrashRole, when });

export const CRASH_POINTS: readonly CrashPointInfo[] = [
  // build and delete
  point('api.create.after_commit', 'servers recorded and their build queued, before the conductor is told'),
  point('conductor.build.after_select', 'destinations claimed, before the servers are handed to their hosts'),
  point('compute.build.after_spawn', 'the guest runs, before the server is recorded ACTIVE'),
  point('compute.terminate.after_destroy', 'the guest is destroyed, before the server is recorded deleted'),
  point('compute.power.after_driver', 'a power action is done on the guest, before it is recorded'),
  point('compute.snapshot.after_driver', 'the guest disk is copied, before the image is uploaded'),
  point('compute.snapshot.after_upload', 'the snapshot image is active, before the task is cleared'),
  // cold migration and resize
  point('api.migrate.after_commit', 'the move is recorded and queued, before the conductor is told'),
  point('conductor.migrate.after_select', 'the destination is claimed, before it is handed the move'),
  point('compute.prep_resize.after_commit', 'the destination took the move, before the source is told'),
  point('compute.resize_instance.after_driver', 'the source guest is off and its disk sent, before the server is recorded on the destination'),
  point('compute.finish_resize.after_driver', 'the destination guest runs, before the server is recorded VERIFY_RESIZE'),
  point('compute.confirm_resize.after_driver', 'the source guest is gone, before the confirm is recorded'),
  point('compute.revert_resize.after_driver', 'the destination guest is gone, before the source is told'),
  point('compute.finish_revert_resize.after_driver', 'the source guest runs again, before the revert is recorded'),
  // live migration
  point('api.live_migrate.after_commit', 'the live migration is recorded and queued, before the conductor is told'),
  point('conductor.live_migrate.after_claim', 'the destination is claimed and checked, before the source is handed the transfer'),
  point('compute.live_migration.after_pre_live_migration', 'the destination is prepared, before the transfer starts'),
  point('compute.live_migration.during_transfer', 'the transfer is running'),
  point('compute.live_migration.after_transfer', 'the guest switched over, before the destination is told'),
  point('compute.post_live_migration.after_driver', 'the destination holds the guest, before the server is recorded there'),
  point('compute.post_live_migration.after_commit', 'the server is recorded on the destination, before its ports follow and its task ends'),
  point('compute.live_migration.after_post_at_destination', 'the server is recorded on the destination, before the source drops its copy'),
  // evacuation
  point('api.evacuate.after_commit', 'the evacuation is recorded and queued, before the conductor is told'),
  point('conductor.evacuate.after_select', 'the destination is claimed, before it is handed the rebuild'),
  point('compute.rebuild.after_spawn', 'the rebuilt guest runs on the destination, before the server is recorded there'),
  point('compute.evacuation_cleanup.after_destroy', 'the returning source destroyed its old guest, before the evacuation is recorded complete'),
  // shelve and unshelve
  point('compute.shelve.after_upload', 'the guest is off and its disk uploaded as the shelved image, before the server is recorded SHELVED'),
  point('compute.shelve_offload.after_destroy', 'the shelved guest is destroyed, before the server is recorded offloaded and its allocation released'),
  point('conductor.unshelve.after_select', 'a host is claimed for the offloaded server, before it is handed the unshelve'),
  point('compute.unshelve.after_spawn', 'the guest runs again, before the server is recorded ACTIVE'),
];

export const CRASH_STEP_PREFIX = 'crash:';

export function isCrashPoint(name: string): boolean {
  return CRASH_POINTS.some((p) => p.name === name);
}
