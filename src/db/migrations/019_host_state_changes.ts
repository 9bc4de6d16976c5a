// A log of changes to what the scheduler reads about hosts, written by
// triggers in the same transaction as the change itself, so a scheduler can
// keep its view of every host in memory and re-read only the hosts named
// here since it last looked. A row names a host (its compute node, service
// or instances changed), a compute node (its allocations changed) or neither
// (an aggregate, its hosts or its metadata changed). Heartbeats are not
// logged: a scheduler judges liveness from the time of the last one it read
// and re-reads a service that looks down.
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

/** Which columns of a table a host's state depends on (an update touching none of them is not logged). */
const HOST_TABLES = [
  { table: 'compute_nodes', columns: null },
  { table: 'services', columns: ['host', 'binary', 'disabled', 'disabled_reason', 'forced_down', 'deleted'] },
  { table: 'instances', columns: ['host', 'deleted'] },
] as const;
const AGGREGATE_TABLES = ['aggregates', 'aggregate_hosts', 'aggregate_metadata'] as const;

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  let t = db.schema.createTable('host_state_changes');
  t = dialect === 'postgres' ? t.addColumn('id', 'bigserial', (c) => c.primaryKey()) : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await t.addColumn('host', 'varchar(255)').addColumn('node_uuid', 'varchar(36)').execute();

  if (dialect === 'sqlite') {
    const log = (col: 'host' | 'node_uuid', ref: string): string => `INSERT INTO host_state_changes (${col}) SELECT ${ref} WHERE ${ref} IS NOT NULL;`;
    const triggers: string[] = [
      `CREATE TRIGGER hsc_allocations_ins AFTER INSERT ON allocations BEGIN ${log('node_uuid', 'NEW.node_uuid')} END`,
      `CREATE TRIGGER hsc_allocations_del AFTER DELETE ON allocations BEGIN ${log('node_uuid', 'OLD.node_uuid')} END`,
      `CREATE TRIGGER hsc_allocations_upd AFTER UPDATE OF node_uuid, vcpus, memory_mb, disk_gb ON allocations BEGIN ${log('node_uuid', 'OLD.node_uuid')} ${log('node_uuid', 'NEW.node_uuid')} END`,
    ];
    for (const { table, columns } of HOST_TABLES) {
      triggers.push(`CREATE TRIGGER hsc_${table}_ins AFTER INSERT ON ${table} BEGIN ${log('host', 'NEW.host')} END`);
      triggers.push(`CREATE TRIGGER hsc_${table}_del AFTER DELETE ON ${table} BEGIN ${log('host', 'OLD.host')} END`);
      const of = columns === null ? '' : ` OF ${columns.map((c) => `"${c}"`).join(', ')}`;
      triggers.push(`CREATE TRIGGER hsc_${table}_upd AFTER UPDATE${of} ON ${table} BEGIN ${log('host', 'OLD.host')} ${log('host', 'NEW.host')} END`);
    }
    for (const table of AGGREGATE_TABLES) {
      for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
        triggers.push(`CREATE TRIGGER hsc_${table}_${op.toLowerCase()} AFTER ${op} ON ${table} BEGIN INSERT INTO host_state_changes (host, node_uuid) VALUES (NULL, NULL); END`);
      }
    }
    for (const s of triggers) await sql.raw(s).execute(db);
    return;
  }

  const fn = (name: string, body: string): string => `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body} RETURN NULL; END $$`;
  const logRow = (col: string): string =>
    `IF TG_OP <> 'INSERT' AND OLD.${col} IS NOT NULL THEN INSERT INTO host_state_changes (${col}) VALUES (OLD.${col}); END IF; ` +
    `IF TG_OP <> 'DELETE' AND NEW.${col} IS NOT NULL THEN INSERT INTO host_state_changes (${col}) VALUES (NEW.${col}); END IF;`;
  await sql.raw(fn('hsc_node_changed', logRow('node_uuid'))).execute(db);
  await sql.raw(fn('hsc_host_changed', logRow('host'))).execute(db);
  await sql.raw(fn('hsc_aggregates_changed', 'INSERT INTO host_state_changes (host, node_uuid) VALUES (NULL, NULL);')).execute(db);
  await sql.raw('CREATE TRIGGER hsc_allocations AFTER INSERT OR DELETE OR UPDATE OF node_uuid, vcpus, memory_mb, disk_gb ON allocations FOR EACH ROW EXECUTE FUNCTION hsc_node_changed()').execute(db);
  for (const { table, columns } of HOST_TABLES) {
    const of = columns === null ? '' : ` OF ${columns.map((c) => `"${c}"`).join(', ')}`;
    await sql.raw(`CREATE TRIGGER hsc_${table} AFTER INSERT OR DELETE OR UPDATE${of} ON ${table} FOR EACH ROW EXECUTE FUNCTION hsc_host_changed()`).execute(db);
  }
  for (const table of AGGREGATE_TABLES) {
    await sql.raw(`CREATE TRIGGER hsc_${table} AFTER INSERT OR DELETE OR UPDATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION hsc_aggregates_changed()`).execute(db);
  }
}
