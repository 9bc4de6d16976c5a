// Indexes that keep a page of the server and migration lists as cheap with
// 100,000 servers as with 1,000 (bench/READS-AT-SIZE.md). A project's or a
// host's servers are read in the default order (created_at, id) or by name
// straight from an index, so a page stops after its last row instead of
// sorting every server of the project; changes-since starts from the rows
// changed since; the migrations of a host are found by either end.
//
// Lists order text by bytes on both databases (PostgreSQL through the "C"
// collation, see instance-queries.ts), so on PostgreSQL the text columns
// of an ordering index carry that collation or the index could not order.
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const ordered = (col: string): string => (dialect === 'postgres' ? `${col} COLLATE "C"` : col);
  const indexes: Array<[name: string, table: string, columns: string[]]> = [
    // These two replace instances_project and instances_host, whose columns they begin with.
    ['instances_project_created', 'instances', ['project_id', 'deleted', ordered('created_at'), 'id']],
    ['instances_host_created', 'instances', ['host', 'deleted', ordered('created_at'), 'id']],
    ['instances_project_name', 'instances', ['project_id', 'deleted', ordered('display_name'), ordered('created_at'), 'id']],
    ['instances_project_updated', 'instances', ['project_id', 'updated_at']],
    ['instances_updated', 'instances', ['updated_at']],
    ['migrations_source_compute', 'migrations', ['source_compute']],
    ['migrations_dest_compute', 'migrations', ['dest_compute']],
    ['migrations_updated', 'migrations', ['updated_at']],
  ];
  for (const [name, table, columns] of indexes) await sql.raw(`CREATE INDEX ${name} ON ${table} (${columns.join(', ')})`).execute(db);
  await sql.raw('DROP INDEX instances_project').execute(db);
  await sql.raw('DROP INDEX instances_host').execute(db);
}
