// Server groups (Nova's instance groups): a named policy — affinity,
// anti-affinity or their soft forms — over a set of servers, with rules
// (max_server_per_host). A server is a member of at most one group; the
// membership row goes when the server is deleted or the group is.
import type { Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const withId = (name: string) => {
    const t = db.schema.createTable(name);
    return dialect === 'postgres' ? t.addColumn('id', 'serial', (c) => c.primaryKey()) : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  };
  await withId('instance_groups')
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('policy', 'varchar(255)', (c) => c.notNull())
    // JSON object; {} when the group has no rules.
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('instance_groups_project_id').on('instance_groups').column('project_id').execute();

  await withId('instance_group_members')
    .addColumn('group_id', 'integer', (c) => c.notNull().references('instance_groups.id'))
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('instance_group_members_group_id').on('instance_group_members').column('group_id').execute();
}
