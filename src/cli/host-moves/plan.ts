// What `magnetar host drain|evacuate` does with each server it finds on a
// host, decided from what the compute API shows of it: the move to start,
// a move already under way to wait for (a rerun resumes an interrupted
// drain), or why it is left where it is.

export type HostMoveMode = 'live' | 'cold' | 'evacuate';

/** The fields of a server (2.84 detail view) the plan reads. */
export interface ServerSeen {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly 'OS-EXT-STS:task_state': string | null;
  readonly 'OS-EXT-SRV-ATTR:host': string | null;
}

export type MoveKind = 'live' | 'cold' | 'evacuate';

export type PlanStep =
  | { readonly server: ServerSeen; readonly do: 'start'; readonly kind: MoveKind }
  | { readonly server: ServerSeen; readonly do: 'wait'; readonly kind: MoveKind }
  /** A cold move that finished on its destination and waits to be confirmed. */
  | { readonly server: ServerSeen; readonly do: 'confirm'; readonly kind: 'cold' }
  | { readonly server: ServerSeen; readonly do: 'skip'; readonly reason: string };

const LIVE_STATUSES = new Set(['ACTIVE', 'PAUSED']);
const COLD_STATUSES = new Set(['ACTIVE', 'SHUTOFF']);
// Nova evacuates servers in these states (nova/compute/api.py evacuate).
const EVACUATE_STATUSES = new Set(['ACTIVE', 'SHUTOFF', 'ERROR', 'PAUSED', 'SUSPENDED', 'RESCUE']);
const MOVING_TASKS: Readonly<Record<string, MoveKind>> = {
  migrating: 'live',
  resize_prep: 'cold',
  resize_migrating: 'cold',
  resize_migrated: 'cold',
  resize_finish: 'cold',
  rebuilding: 'evacuate',
  rebuild_spawning: 'evacuate',
  rebuild_block_device_mapping: 'evacuate',
};

/** The step for one server found on the host being emptied. */
export function planServer(s: ServerSeen, mode: HostMoveMode): PlanStep {
  const task = s['OS-EXT-STS:task_state'];
  if (task !== null) {
    const moving = MOVING_TASKS[task];
    if (moving !== undefined && (mode === 'evacuate') === (moving === 'evacuate')) return { server: s, do: 'wait', kind: moving };
    return { server: s, do: 'skip', reason: `busy: task_state is ${task}` };
  }
  if (mode === 'evacuate') {
    if (EVACUATE_STATUSES.has(s.status)) return { server: s, do: 'start', kind: 'evacuate' };
    return { server: s, do: 'skip', reason: `a server in status ${s.status} cannot be evacuated` };
  }
  if (mode === 'live' && LIVE_STATUSES.has(s.status)) return { server: s, do: 'start', kind: 'live' };
  // Live mode moves servers that are off the cold way: no guest runs, so nothing is interrupted.
  if (COLD_STATUSES.has(s.status) && (mode === 'cold' || s.status === 'SHUTOFF')) return { server: s, do: 'start', kind: 'cold' };
  if (s.status === 'ERROR') return { server: s, do: 'skip', reason: 'the server is in ERROR; reset its state or evacuate it' };
  return { server: s, do: 'skip', reason: `a server in status ${s.status} cannot be ${mode === 'live' ? 'live- or cold-' : 'cold '}migrated` };
}
