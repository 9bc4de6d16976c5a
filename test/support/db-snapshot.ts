// The database rows a request could change, read in a stable order and
// without the columns background work moves on its own (heartbeats, resource
// reports), so two snapshots differ only when something was changed.
import type { Cloud } from './cloud.js';

const TABLES: ReadonlyArray<{ readonly table: string; readonly order: string; readonly volatile?: readonly string[] }> = [
  { table: 'instances', order: 'id' },
  { table: 'instance_faults', order: 'id' },
  { table: 'instance_actions', order: 'id' },
  { table: 'instance_actions_events', order: 'id' },
  { table: 'migrations', order: 'id' },
  { table: 'allocations', order: 'id' },
  { table: 'services', order: 'id', volatile: ['last_seen_up', 'report_count', 'updated_at'] },
  { table: 'compute_nodes', order: 'id', volatile: ['updated_at'] },
  { table: 'flavors', order: 'id' },
  { table: 'flavor_extra_specs', order: 'flavor_id, key' },
  { table: 'flavor_projects', order: 'flavor_id, project_id' },
  { table: 'key_pairs', order: 'id' },
  { table: 'token_revocations', order: 'audit_id' },
  { table: 'aggregates', order: 'id' },
  { table: 'aggregate_hosts', order: 'id' },
  { table: 'aggregate_metadata', order: 'id' },
  { table: 'quotas', order: 'id' },
  { table: 'project_user_quotas', order: 'id' },
  { table: 'quota_classes', order: 'id' },
];

export type Snapshot = Readonly<Record<string, readonly string[]>>;

/** Every table's rows, each row as JSON text without its volatile columns. */
export async function snapshotRows(c: Cloud): Promise<Snapshot> {
  const k = c.aio.base.db.kysely;
  const tables = await Promise.all(
    TABLES.map(async ({ table, order, volatile = [] }) => {
      let q = k.selectFrom(table as 'instances').selectAll();
      for (const col of order.split(', ')) q = q.orderBy(col as 'id');
      const rows = await q.execute();
      return rows.map((row) => {
        const kept = { ...(row as Record<string, unknown>) };
        for (const col of volatile) delete kept[col];
        return JSON.stringify(kept);
      });
    }),
  );
  return Object.fromEntries(TABLES.map(({ table }, i) => [table, tables[i]!]));
}

/** What changed between two snapshots, table by table (empty when nothing did). */
export function snapshotDiff(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const table of Object.keys(before)) {
    const a = new Set(before[table]);
    const b = new Set(after[table]);
    for (const row of a) if (!b.has(row)) out.push(`${table} lost/changed: ${row}`);
    for (const row of b) if (!a.has(row)) out.push(`${table} gained/changed: ${row}`);
  }
  return out;
}
