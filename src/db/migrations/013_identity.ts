// The identity data made through the identity API: projects, users (with a
// salted password hash), roles and the grants of roles to users on projects.
// What the configuration seeds ([identity] users, the default roles) is not
// here: it is derived from the configuration at start. Names are unique per
// domain (per cloud for roles), so the index decides between two concurrent
// creates of one name. Grants name their user, project and role by id
// without foreign keys, since either side may be a configured one.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('identity_projects')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    // JSON array of strings.
    .addColumn('tags', 'text', (c) => c.notNull())
    // JSON object of the attributes Keystone keeps as given.
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('identity_projects_domain_name', ['domain_id', 'name'])
    .execute();

  await db.schema
    .createTable('identity_users')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('default_project_id', 'varchar(64)')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    // scrypt$<salt>$<hash>; null when the user has no password.
    .addColumn('password_hash', 'text')
    // JSON object of the attributes Keystone keeps as given (email, description...).
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('identity_users_domain_name', ['domain_id', 'name'])
    .execute();

  await db.schema
    .createTable('identity_roles')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('identity_grants')
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('role_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_grants_pk', ['user_id', 'project_id', 'role_id'])
    .execute();
  await db.schema.createIndex('identity_grants_project').on('identity_grants').column('project_id').execute();
  await db.schema.createIndex('identity_grants_role').on('identity_grants').column('role_id').execute();
}
