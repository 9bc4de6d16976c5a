// Row types of every table. Booleans are stored as 0/1 integers and
// timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text, so one migration set
// serves SQLite and PostgreSQL and string order is time order.
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface ServicesTable {
  id: Generated<number>;
  uuid: string;
  host: string;
  binary: string;
  topic: string | null;
  report_count: number;
  disabled: number;
  disabled_reason: string | null;
  forced_down: number;
  last_seen_up: string | null;
  version: number;
  created_at: string;
  updated_at: string | null;
  deleted: number;
}

export interface ComputeNodesTable {
  id: Generated<number>;
  uuid: string;
  service_id: number;
  host: string;
  hypervisor_hostname: string;
  hypervisor_type: string;
  hypervisor_version: number;
  host_ip: string;
  cpu_info: string;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  cpu_allocation_ratio: number;
  ram_allocation_ratio: number;
  disk_allocation_ratio: number;
  created_at: string;
  updated_at: string | null;
  deleted: number;
}

/** Resources held by a consumer (an instance or a migration) on a compute node. */
export interface AllocationsTable {
  id: Generated<number>;
  consumer_uuid: string;
  node_uuid: string;
  vcpus: number;
  memory_mb: number;
  disk_gb: number;
  created_at: string;
}

export interface FlavorsTable {
  id: Generated<number>;
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  is_public: number;
  disabled: number;
  description: string | null;
  created_at: string;
  updated_at: string | null;
  deleted: number;
}

export interface FlavorExtraSpecsTable {
  flavor_id: number;
  key: string;
  value: string;
}

export interface FlavorProjectsTable {
  flavor_id: number;
  project_id: string;
}

export interface InstancesTable {
  id: Generated<number>;
  uuid: string;
  project_id: string;
  user_id: string;
  display_name: string;
  display_description: string | null;
  hostname: string;
  vm_state: string;
  task_state: string | null;
  power_state: number;
  host: string | null;
  node: string | null;
  availability_zone: string | null;
  /** JSON of the current flavor snapshot (see InstanceFlavor). */
  flavor: string;
  /** The current flavor's vCPUs and RAM, kept with `flavor` by db/instances.ts (the quotas sum them). */
  vcpus: Generated<number>;
  memory_mb: Generated<number>;
  old_flavor: string | null;
  new_flavor: string | null;
  image_ref: string;
  key_name: string | null;
  metadata: string;
  tags: string;
  /** JSON object of keys the services keep for themselves (e.g. the guest's encrypted password). */
  system_metadata: Generated<string>;
  access_ip_v4: string | null;
  access_ip_v6: string | null;
  /** OS-DCF:diskConfig: 1 = AUTO, 0 = MANUAL. */
  auto_disk_config: Generated<number>;
  locked_by: string | null;
  locked_reason: string | null;
  progress: number;
  config_drive: string;
  user_data: string | null;
  reservation_id: string;
  launch_index: number;
  admin_pass: string | null;
  scheduler_hints: string;
  requested_networks: string;
  launched_at: string | null;
  terminated_at: string | null;
  created_at: string;
  updated_at: string | null;
  deleted_at: string | null;
  deleted: number;
}

export interface InstanceFaultsTable {
  id: Generated<number>;
  instance_uuid: string;
  code: number;
  message: string;
  details: string | null;
  host: string | null;
  created_at: string;
}

export interface InstanceActionsTable {
  id: Generated<number>;
  action: string;
  instance_uuid: string;
  request_id: string;
  user_id: string | null;
  project_id: string | null;
  start_time: string;
  finish_time: string | null;
  message: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface InstanceActionEventsTable {
  id: Generated<number>;
  action_id: number;
  event: string;
  start_time: string;
  finish_time: string | null;
  result: string | null;
  traceback: string | null;
  host: string | null;
  details: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface MigrationsTable {
  id: Generated<number>;
  uuid: string;
  instance_uuid: string;
  migration_type: string;
  status: string;
  source_compute: string | null;
  source_node: string | null;
  dest_compute: string | null;
  dest_node: string | null;
  dest_host: string | null;
  old_instance_type_id: number | null;
  new_instance_type_id: number | null;
  user_id: string | null;
  project_id: string | null;
  hidden: number;
  memory_total: number | null;
  memory_processed: number | null;
  memory_remaining: number | null;
  disk_total: number | null;
  disk_processed: number | null;
  disk_remaining: number | null;
  created_at: string;
  updated_at: string | null;
  deleted: number;
}

export interface KeyPairsTable {
  id: Generated<number>;
  name: string;
  user_id: string;
  fingerprint: string;
  public_key: string;
  type: string;
  created_at: string;
  deleted: number;
}

/** A revoked token (and every token issued from it), by its audit id, until the token expires. */
export interface TokenRevocationsTable {
  audit_id: string;
  expires_at: string;
  revoked_at: string;
}

/** A project made through the identity API (configured ones are not stored). */
export interface IdentityProjectsTable {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  enabled: number;
  /** JSON array of strings. */
  tags: string;
  /** JSON object of further attributes. */
  extra: string;
  created_at: string;
}

/** A user made through the identity API. */
export interface IdentityUsersTable {
  id: string;
  name: string;
  domain_id: string;
  default_project_id: string | null;
  enabled: number;
  password_hash: string | null;
  /** JSON object of further attributes (email, description...). */
  extra: string;
  created_at: string;
}

/** A role made through the identity API. */
export interface IdentityRolesTable {
  id: string;
  name: string;
  description: string | null;
  created_at: string;
}

/** A role granted to a user on a project through the identity API. */
export interface IdentityGrantsTable {
  user_id: string;
  project_id: string;
  role_id: string;
  created_at: string;
}

/** A message that drives a server's state, kept until a handler has done it (see db/jobs.ts). */
export interface JobsTable {
  id: Generated<number>;
  topic: string;
  method: string;
  /** JSON of the message arguments. */
  args: string;
  request_id: string | null;
  instance_uuid: string | null;
  /** How often a handler took it. */
  attempts: number;
  /** How often it was sent. */
  sends: number;
  /** When it is sent again unless a handler holds it. */
  available_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
}

/** A host aggregate (its hosts and metadata are rows of their own tables). */
export interface AggregatesTable {
  id: Generated<number>;
  uuid: string;
  name: string;
  created_at: string;
  updated_at: string | null;
}

export interface AggregateHostsTable {
  id: Generated<number>;
  aggregate_id: number;
  host: string;
  created_at: string;
}

export interface AggregateMetadataTable {
  id: Generated<number>;
  aggregate_id: number;
  key: string;
  value: string;
  created_at: string;
}

/** A server group (Nova's instance group). */
export interface InstanceGroupsTable {
  id: Generated<number>;
  uuid: string;
  name: string;
  project_id: string;
  user_id: string;
  /** affinity, anti-affinity, soft-affinity or soft-anti-affinity. */
  policy: string;
  /** JSON object of the group's rules ({} without any). */
  rules: string;
  created_at: string;
  updated_at: string | null;
}

/** What a console proxy needs to reach a guest's console (Nova's console_auth_tokens). */
export interface ConsoleAuthTokensTable {
  id: Generated<number>;
  /** SHA-256 of the token, hex; the token itself is only ever in the user's URL. */
  token_hash: string;
  console_type: string;
  host: string;
  port: number;
  tls_port: number | null;
  internal_access_path: string | null;
  instance_uuid: string;
  /** Seconds since the epoch. */
  expires: number;
  created_at: string;
}

/** One run of a host's periodic task over an audit period (Nova's task_log). */
export interface TaskLogTable {
  id: Generated<number>;
  task_name: string;
  /** RUNNING or DONE. */
  state: string;
  host: string;
  period_beginning: string;
  period_ending: string;
  message: string;
  task_items: number;
  errors: number;
  created_at: string;
  updated_at: string | null;
}

export interface InstanceGroupMembersTable {
  id: Generated<number>;
  group_id: number;
  instance_uuid: string;
  created_at: string;
}

/** A project's own limit for one resource (absent: the default applies). */
export interface QuotasTable {
  id: Generated<number>;
  project_id: string;
  resource: string;
  hard_limit: number;
  created_at: string;
  updated_at: string | null;
}

/** A user's limit for one resource within a project (absent: the project's applies). */
export interface ProjectUserQuotasTable {
  id: Generated<number>;
  project_id: string;
  user_id: string;
  resource: string;
  hard_limit: number;
  created_at: string;
  updated_at: string | null;
}

/** A quota class's limit for one resource; the class `default` overrides the [quota] options. */
export interface QuotaClassesTable {
  id: Generated<number>;
  class_name: string;
  resource: string;
  hard_limit: number;
  created_at: string;
  updated_at: string | null;
}

/** A network service resource: keys and standard attributes as columns, the rest as JSON in `attrs`. */
export interface NetworkResourceTable {
  id: string;
  project_id: string;
  attrs: string;
  /** 'YYYY-MM-DDTHH:MM:SSZ', as Neutron shows it. */
  created_at: string;
  updated_at: string;
  revision_number: number;
}

export interface NetworkIpAllocationsTable {
  network_id: string;
  ip_address: string;
  subnet_id: string;
  port_id: string;
}

export interface NetworkDefaultSubnetPoolsTable {
  ip_version: number;
  subnetpool_id: string;
}

export interface NetworkDefaultSecurityGroupsTable {
  project_id: string;
  security_group_id: string;
}

/** Written by triggers only (migration 019): what changed for the scheduler's view of hosts. */
export interface HostStateChangesTable {
  id: Generated<number>;
  host: string | null;
  node_uuid: string | null;
}

/** A server's network info (Nova's model: a JSON list of VIFs) and its ports' security group names. */
export interface InstanceInfoCachesTable {
  instance_uuid: string;
  network_info: string;
  /** JSON list of group names. */
  security_groups: string;
  updated_at: string;
}

/** A fixed address of a server's network info cache (written with it), for the ip filters. */
export interface InstanceFixedIpsTable {
  instance_uuid: string;
  address: string;
  version: number;
}

export interface NetworkQuotasTable {
  project_id: string;
  resource: string;
  hard_limit: number;
}

export interface NetworkAutoAllocatedTopologiesTable {
  project_id: string;
  network_id: string;
  router_id: string;
}

export interface Database {
  services: ServicesTable;
  compute_nodes: ComputeNodesTable;
  allocations: AllocationsTable;
  flavors: FlavorsTable;
  flavor_extra_specs: FlavorExtraSpecsTable;
  flavor_projects: FlavorProjectsTable;
  instances: InstancesTable;
  instance_faults: InstanceFaultsTable;
  instance_actions: InstanceActionsTable;
  instance_actions_events: InstanceActionEventsTable;
  migrations: MigrationsTable;
  key_pairs: KeyPairsTable;
  jobs: JobsTable;
  token_revocations: TokenRevocationsTable;
  identity_projects: IdentityProjectsTable;
  identity_users: IdentityUsersTable;
  identity_roles: IdentityRolesTable;
  identity_grants: IdentityGrantsTable;
  aggregates: AggregatesTable;
  aggregate_hosts: AggregateHostsTable;
  aggregate_metadata: AggregateMetadataTable;
  instance_groups: InstanceGroupsTable;
  instance_group_members: InstanceGroupMembersTable;
  task_log: TaskLogTable;
  console_auth_tokens: ConsoleAuthTokensTable;
  quotas: QuotasTable;
  project_user_quotas: ProjectUserQuotasTable;
  quota_classes: QuotaClassesTable;
  network_networks: NetworkResourceTable;
  network_subnets: NetworkResourceTable & { network_id: string };
  network_ports: NetworkResourceTable & { network_id: string; mac_address: string; device_id: string };
  network_ip_allocations: NetworkIpAllocationsTable;
  network_security_groups: NetworkResourceTable;
  network_default_security_groups: NetworkDefaultSecurityGroupsTable;
  network_security_group_rules: NetworkResourceTable & { security_group_id: string };
  host_state_changes: HostStateChangesTable;
  instance_info_caches: InstanceInfoCachesTable;
  instance_fixed_ips: InstanceFixedIpsTable;
  network_routers: NetworkResourceTable;
  network_floatingips: NetworkResourceTable;
  network_quotas: NetworkQuotasTable;
  network_auto_allocated_topologies: NetworkAutoAllocatedTopologiesTable;
  network_address_scopes: NetworkResourceTable;
  network_subnetpools: NetworkResourceTable;
  network_default_subnetpools: NetworkDefaultSubnetPoolsTable;
}

export type ServiceRow = Selectable<ServicesTable>;
export type ComputeNodeRow = Selectable<ComputeNodesTable>;
export type AllocationRow = Selectable<AllocationsTable>;
export type FlavorRow = Selectable<FlavorsTable>;
export type InstanceRow = Selectable<InstancesTable>;
export type NewInstance = Insertable<InstancesTable>;
export type InstanceUpdate = Updateable<InstancesTable>;
export type InstanceFaultRow = Selectable<InstanceFaultsTable>;
export type InstanceActionRow = Selectable<InstanceActionsTable>;
export type InstanceActionEventRow = Selectable<InstanceActionEventsTable>;
export type MigrationRow = Selectable<MigrationsTable>;
export type MigrationUpdate = Updateable<MigrationsTable>;
export type KeyPairRow = Selectable<KeyPairsTable>;
export type JobRow = Selectable<JobsTable>;
export type AggregateRow = Selectable<AggregatesTable>;
export type InstanceGroupRow = Selectable<InstanceGroupsTable>;
export type TaskLogRow = Selectable<TaskLogTable>;

/** The flavor as copied into an instance at boot/resize time. */
export interface InstanceFlavor {
  readonly id: number;
  readonly flavorid: string;
  readonly name: string;
  readonly memory_mb: number;
  readonly vcpus: number;
  readonly root_gb: number;
  readonly ephemeral_gb: number;
  readonly swap: number;
  readonly extra_specs: Readonly<Record<string, string>>;
}
