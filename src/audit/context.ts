// The snapshot indexed once for every check: servers, their open migrations,
// nodes and hosts by name.
import { isFinal } from './moves.js';
import type { AuditHost, AuditMigration, AuditNode, AuditServer, Snapshot } from './types.js';

export interface AuditContext {
  readonly snap: Snapshot;
  readonly servers: ReadonlyMap<string, AuditServer>;
  /** Each server's migrations that are not final (including the waiting ones), oldest first. */
  readonly openMigrations: ReadonlyMap<string, readonly AuditMigration[]>;
  /** Each server's migrations in the snapshot, final ones included, oldest first. */
  readonly migrationsByServer: ReadonlyMap<string, readonly AuditMigration[]>;
  readonly migrations: ReadonlyMap<string, AuditMigration>;
  readonly nodes: ReadonlyMap<string, AuditNode>;
  readonly hosts: ReadonlyMap<string, AuditHost>;
}

export function indexSnapshot(snap: Snapshot): AuditContext {
  const open = new Map<string, AuditMigration[]>();
  const all = new Map<string, AuditMigration[]>();
  for (const m of snap.migrations) {
    all.set(m.instanceUuid, [...(all.get(m.instanceUuid) ?? []), m]);
    if (!isFinal(m)) open.set(m.instanceUuid, [...(open.get(m.instanceUuid) ?? []), m]);
  }
  return {
    snap,
    servers: new Map(snap.servers.map((s) => [s.uuid, s])),
    openMigrations: open,
    migrationsByServer: all,
    migrations: new Map(snap.migrations.map((m) => [m.uuid, m])),
    nodes: new Map(snap.nodes.map((n) => [n.uuid, n])),
    hosts: new Map(snap.hosts.map((h) => [h.host, h])),
  };
}

export const openMigrationsOf = (ctx: AuditContext, server: string): readonly AuditMigration[] => ctx.openMigrations.get(server) ?? [];

/** The host answered with its guest list. */
export const isReachable = (ctx: AuditContext, host: string | null): boolean => host !== null && ctx.hosts.get(host)?.reachable === true;
