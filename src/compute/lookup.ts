// Finding the server a request names. Non-admins see only their project's
// servers: another project's server is "not found", never "forbidden".
import type { InstanceRow } from '../db/schema.js';
import { getInstance } from '../db/instances.js';
import { shownInstance, type ShownInstance } from '../db/shown-instance.js';
import { InstanceNotFound } from './errors.js';
import type { ComputeService } from './service.js';

const UUID_RX = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export interface Viewer {
  readonly projectId: string;
  readonly isAdmin: boolean;
}

export async function getServer(svc: ComputeService, viewer: Viewer, id: string, opts: { readDeleted?: boolean } = {}): Promise<InstanceRow> {
  if (!UUID_RX.test(id)) throw new InstanceNotFound(id);
  const inst = await getInstance(svc.db.kysely, id.toLowerCase(), opts);
  if (!inst || !visibleTo(viewer, inst)) throw new InstanceNotFound(id);
  return inst;
}

/** getServer for a server's body: the row with its network info cache and group. */
export async function getShownServer(svc: ComputeService, viewer: Viewer, id: string): Promise<ShownInstance> {
  if (!UUID_RX.test(id)) throw new InstanceNotFound(id);
  const shown = await shownInstance(svc.db.kysely, id.toLowerCase());
  if (!shown || !visibleTo(viewer, shown.row)) throw new InstanceNotFound(id);
  return shown;
}

function visibleTo(viewer: Viewer, inst: InstanceRow): boolean {
  return viewer.isAdmin || inst.project_id === viewer.projectId;
}

/** The policy target of most server operations. */
export function serverTarget(inst: Pick<InstanceRow, 'project_id'>): Record<string, unknown> {
  return { project_id: inst.project_id };
}

export function serverUserTarget(inst: Pick<InstanceRow, 'project_id' | 'user_id'>): Record<string, unknown> {
  return { project_id: inst.project_id, user_id: inst.user_id };
}
