// The initial schema, written once for both dialects.
import { sql, type Kysely, type CreateTableBuilder } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

function withId<T extends string>(t: CreateTableBuilder<T, never>, dialect: Dialect): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await withId(db.schema.createTable('services'), dialect)
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('binary', 'varchar(255)', (c) => c.notNull())
    .addColumn('topic', 'varchar(255)')
    .addColumn('report_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled_reason', 'varchar(255)')
    .addColumn('forced_down', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_seen_up', 'varchar(32)')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('services_host_binary').on('services').columns(['host', 'binary']).execute();

  await withId(db.schema.createTable('compute_nodes'), dialect)
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('service_id', 'integer', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('hypervisor_hostname', 'varchar(255)', (c) => c.notNull())
    .addColumn('hypervisor_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('hypervisor_version', 'integer', (c) => c.notNull())
    .addColumn('host_ip', 'varchar(64)', (c) => c.notNull())
    .addColumn('cpu_info', 'text', (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('local_gb', 'integer', (c) => c.notNull())
    .addColumn('cpu_allocation_ratio', 'real', (c) => c.notNull())
    .addColumn('ram_allocation_ratio', 'real', (c) => c.notNull())
    .addColumn('disk_allocation_ratio', 'real', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('compute_nodes_host').on('compute_nodes').column('host').execute();

  await withId(db.schema.createTable('allocations'), dialect)
    .addColumn('consumer_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('node_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('disk_gb', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('allocations_consumer').on('allocations').column('consumer_uuid').execute();
  await db.schema.createIndex('allocations_node').on('allocations').column('node_uuid').execute();

  await withId(db.schema.createTable('flavors'), dialect)
    .addColumn('flavorid', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('root_gb', 'integer', (c) => c.notNull())
    .addColumn('ephemeral_gb', 'integer', (c) => c.notNull())
    .addColumn('swap', 'integer', (c) => c.notNull())
    .addColumn('rxtx_factor', 'real', (c) => c.notNull())
    .addColumn('is_public', 'integer', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('flavors_flavorid').on('flavors').column('flavorid').execute();

  await db.schema.createTable('flavor_extra_specs')
    .addColumn('flavor_id', 'integer', (c) => c.notNull())
    .addColumn('key', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('flavor_extra_specs_pk', ['flavor_id', 'key'])
    .execute();
  await db.schema.createTable('flavor_projects')
    .addColumn('flavor_id', 'integer', (c) => c.notNull())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('flavor_projects_pk', ['flavor_id', 'project_id'])
    .execute();

  await withId(db.schema.createTable('instances'), dialect)
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('display_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('display_description', 'text')
    .addColumn('hostname', 'varchar(255)', (c) => c.notNull())
    .addColumn('vm_state', 'varchar(255)', (c) => c.notNull())
    .addColumn('task_state', 'varchar(255)')
    .addColumn('power_state', 'integer', (c) => c.notNull())
    .addColumn('host', 'varchar(255)')
    .addColumn('node', 'varchar(255)')
    .addColumn('availability_zone', 'varchar(255)')
    .addColumn('flavor', 'text', (c) => c.notNull())
    .addColumn('old_flavor', 'text')
    .addColumn('new_flavor', 'text')
    .addColumn('image_ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('key_name', 'varchar(255)')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('access_ip_v4', 'varchar(64)')
    .addColumn('access_ip_v6', 'varchar(64)')
    .addColumn('locked_by', 'varchar(16)')
    .addColumn('locked_reason', 'varchar(255)')
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('config_drive', 'varchar(16)', (c) => c.notNull())
    .addColumn('user_data', 'text')
    .addColumn('reservation_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('launch_index', 'integer', (c) => c.notNull())
    .addColumn('admin_pass', 'varchar(255)')
    .addColumn('scheduler_hints', 'text', (c) => c.notNull())
    .addColumn('requested_networks', 'text', (c) => c.notNull())
    .addColumn('launched_at', 'varchar(32)')
    .addColumn('terminated_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .addColumn('deleted_at', 'varchar(32)')
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('instances_project').on('instances').columns(['project_id', 'deleted']).execute();
  await db.schema.createIndex('instances_host').on('instances').columns(['host', 'deleted']).execute();
  await db.schema.createIndex('instances_created').on('instances').columns(['created_at', 'id']).execute();

  await withId(db.schema.createTable('instance_faults'), dialect)
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('code', 'integer', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .addColumn('host', 'varchar(255)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('instance_faults_instance').on('instance_faults').column('instance_uuid').execute();

  await withId(db.schema.createTable('instance_actions'), dialect)
    .addColumn('action', 'varchar(255)', (c) => c.notNull())
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('request_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)')
    .addColumn('project_id', 'varchar(255)')
    .addColumn('start_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('finish_time', 'varchar(32)')
    .addColumn('message', 'varchar(255)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('instance_actions_instance').on('instance_actions').columns(['instance_uuid', 'request_id']).execute();

  await withId(db.schema.createTable('instance_actions_events'), dialect)
    .addColumn('action_id', 'integer', (c) => c.notNull())
    .addColumn('event', 'varchar(255)', (c) => c.notNull())
    .addColumn('start_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('finish_time', 'varchar(32)')
    .addColumn('result', 'varchar(255)')
    .addColumn('traceback', 'text')
    .addColumn('host', 'varchar(255)')
    .addColumn('details', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('instance_actions_events_action').on('instance_actions_events').column('action_id').execute();

  await withId(db.schema.createTable('migrations'), dialect)
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('migration_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(255)', (c) => c.notNull())
    .addColumn('source_compute', 'varchar(255)')
    .addColumn('source_node', 'varchar(255)')
    .addColumn('dest_compute', 'varchar(255)')
    .addColumn('dest_node', 'varchar(255)')
    .addColumn('dest_host', 'varchar(255)')
    .addColumn('old_instance_type_id', 'integer')
    .addColumn('new_instance_type_id', 'integer')
    .addColumn('user_id', 'varchar(255)')
    .addColumn('project_id', 'varchar(255)')
    .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('memory_total', 'bigint')
    .addColumn('memory_processed', 'bigint')
    .addColumn('memory_remaining', 'bigint')
    .addColumn('disk_total', 'bigint')
    .addColumn('disk_processed', 'bigint')
    .addColumn('disk_remaining', 'bigint')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('migrations_instance').on('migrations').columns(['instance_uuid', 'status']).execute();
  await db.schema.createIndex('migrations_created').on('migrations').columns(['created_at', 'id']).execute();

  await withId(db.schema.createTable('key_pairs'), dialect)
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('fingerprint', 'varchar(255)', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  void sql;
}
