// The allocations the records call for, as the code keeps them (consumers
// are instances and migrations; see scheduler/claims.ts):
//
// - A server with a host holds one allocation of its current flavor on its
//   host's node (a shelved server too, until it is offloaded); a server
//   without one holds nothing (a server still being built, or an offloaded
//   one being unshelved, may hold its claim before it is placed).
// - Cold migration / resize, from `pre-migrating` until confirmed or
//   reverted: the migration holds the source with the old flavor (the
//   server's flavor until the destination finishes, then its old_flavor), the server
//   holds the destination with the new flavor once scheduled (while the
//   destination is not recorded yet, the claim may be on any node or absent).
// - Live migration, while not final: the server keeps its source; the
//   migration holds the destination claim (possibly none while `accepted`).
// - Evacuation, while `accepted`, `pre-migrating` or `done`: the migration
//   holds the failed source; the server holds the destination (any node or
//   none while `accepted`, the recorded destination from `pre-migrating`).
// - Final migrations, deleted servers and their migrations hold nothing.
import { TaskState, VmState } from '../compute/states.js';
import type { Resources } from '../scheduler/resources.js';
import { COLD_AFTER_FINISH, EVACUATION_HOLDING, isColdMove, isEvacuation, isFinal, isLiveMigration } from './moves.js';
import type { AuditMigration, AuditServer } from './types.js';

export interface ExpectedAllocation {
  readonly consumer: string;
  readonly server: string;
  /** The migration the allocation belongs to, or that shapes the server's (null: none). */
  readonly migration: string | null;
  /** Host whose node holds it; null = any node (claimed, not yet recorded where). */
  readonly host: string | null;
  /** The node's hypervisor_hostname when recorded. */
  readonly node: string | null;
  /** null = any size (a claim whose flavor is not recorded). */
  readonly resources: Resources | null;
  /** May be absent: the claim is not made yet. */
  readonly optional: boolean;
  /** What holds it, for messages. */
  readonly role: string;
}

function forServer(s: AuditServer, open: readonly AuditMigration[]): ExpectedAllocation[] {
  const out: ExpectedAllocation[] = [];
  const own = (host: string | null, node: string | null, resources: Resources | null, optional: boolean, migration: string | null, role: string): void => {
    out.push({ consumer: s.uuid, server: s.uuid, migration, host, node, resources, optional, role });
  };
  const held = (m: AuditMigration, host: string | null, node: string | null, resources: Resources | null, optional: boolean, role: string): void => {
    out.push({ consumer: m.uuid, server: s.uuid, migration: m.uuid, host, node, resources, optional, role });
  };
  const onItsHost = (): void => {
    if (s.host !== null) own(s.host, s.node, s.flavor, false, null, 'the server on its host');
    else if (s.vmState === VmState.BUILDING) own(null, null, s.flavor, true, null, 'the build claim of a server not yet placed');
    else if (s.vmState === VmState.SHELVED_OFFLOADED && s.taskState === TaskState.UNSHELVING)
      own(null, null, s.flavor, true, null, 'the claim of an offloaded server being unshelved, not yet placed');
  };

  // Every open migration says what it holds itself; the newest one says where the server's own allocation is.
  let shapedBy: AuditMigration | undefined;
  for (const m of open) {
    if (isColdMove(m)) {
      // The server's flavor changes only when the destination finishes; old_flavor is recorded from the source step on.
      const old = COLD_AFTER_FINISH.has(m.status) ? (s.oldFlavor ?? s.flavor) : s.flavor;
      held(m, m.sourceCompute, m.sourceNode, old, false, `the source of ${m.type} ${m.uuid}`);
      shapedBy = m;
    } else if (isLiveMigration(m)) {
      held(m, m.destCompute, m.destNode, s.flavor, m.status === 'accepted', `the destination claim of live-migration ${m.uuid}`);
      shapedBy = m;
    } else if (isEvacuation(m) && EVACUATION_HOLDING.has(m.status)) {
      held(m, m.sourceCompute, m.sourceNode, s.flavor, false, `the failed source of evacuation ${m.uuid}`);
      shapedBy = m;
    }
  }

  if (shapedBy === undefined || isLiveMigration(shapedBy)) {
    onItsHost();
  } else if (isColdMove(shapedBy)) {
    const m = shapedBy;
    const role = `the destination of ${m.type} ${m.uuid}`;
    if (COLD_AFTER_FINISH.has(m.status)) own(m.destCompute, m.destNode, s.flavor, false, m.uuid, role);
    else own(m.destCompute, m.destNode, m.newFlavor ?? s.newFlavor, m.destCompute === null, m.uuid, role);
  } else {
    const m = shapedBy;
    const role = `the destination of evacuation ${m.uuid}`;
    if (m.status === 'accepted') own(m.destCompute, null, s.flavor, true, m.uuid, role);
    else if (m.status === 'pre-migrating') own(m.destCompute, m.destNode, s.flavor, false, m.uuid, role);
    else onItsHost();
  }
  return out;
}

/** What every live server and its open migrations should hold. */
export function expectedAllocations(servers: readonly AuditServer[], migrations: readonly AuditMigration[]): ExpectedAllocation[] {
  const open = new Map<string, AuditMigration[]>();
  for (const m of migrations) {
    if (isFinal(m)) continue;
    const list = open.get(m.instanceUuid) ?? [];
    list.push(m);
    open.set(m.instanceUuid, list);
  }
  return servers.flatMap((s) => forServer(s, open.get(s.uuid) ?? []));
}
