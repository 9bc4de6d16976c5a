/**
 * Every policy rule Magnetar checks, with its default check string. An
 * operator's policy file overrides any of them by name.
 */
export interface PolicyDefault {
  readonly name: string;
  readonly check: string;
  readonly description: string;
  /**
   * The rule's former name. An override of the former name (and not of this
   * one) that differs from `deprecatedCheck` applies to this rule too, so old
   * policy files keep working after a rename or split.
   */
  readonly deprecatedName?: string;
  readonly deprecatedCheck?: string;
}

const ADMIN = 'rule:context_is_admin';
const MGR = 'rule:project_manager_or_admin';
const MEM = 'rule:project_member_or_admin';
const RDR = 'rule:project_reader_or_admin';
const KEYPAIR_OWNER = '(rule:context_is_admin) or user_id:%(user_id)s';

/** Former split-out rules that were admin-only. */
const OLD_ADMIN = 'rule:admin_api';
const OLD_ADMIN_OR_OWNER = 'rule:admin_or_owner';

function rule(name: string, check: string, description: string, deprecated?: [string, string]): PolicyDefault {
  return deprecated === undefined
    ? { name, check, description }
    : { name, check, description, deprecatedName: deprecated[0], deprecatedCheck: deprecated[1] };
}

const baseRules: PolicyDefault[] = [
  rule('context_is_admin', 'role:admin', 'Decides whether a caller is an administrator: admins see and act on every project.'),
  rule('admin_or_owner', 'is_admin:True or project_id:%(project_id)s', 'Deprecated: an administrator or any user of the owning project. No default uses it.'),
  rule('admin_api', 'is_admin:True', 'Deprecated: an administrator. No default uses it.'),
  rule('project_manager_api', 'role:manager and project_id:%(project_id)s', 'A manager of the owning project.'),
  rule('project_member_api', 'role:member and project_id:%(project_id)s', 'A member of the owning project.'),
  rule('project_reader_api', 'role:reader and project_id:%(project_id)s', 'A reader of the owning project.'),
  rule('service_api', 'role:service', 'Another OpenStack service acting with its service role.'),
  rule('project_manager_or_admin', 'rule:project_manager_api or rule:context_is_admin', 'A manager of the owning project, or an administrator.'),
  rule('project_member_or_admin', 'rule:project_member_api or rule:context_is_admin', 'A member of the owning project, or an administrator.'),
  rule('project_reader_or_admin', 'rule:project_reader_api or rule:context_is_admin', 'A reader of the owning project, or an administrator.'),
  rule('service_or_admin', 'rule:service_api or rule:context_is_admin', 'A service user, or an administrator.'),
];

const MS = 'os_compute_api:os-migrate-server';
const MIG = 'os_compute_api:os-migrations:index';
const SMIG = 'os_compute_api:servers:migrations';
const IA = 'os_compute_api:os-instance-actions';

const adminActionRules: PolicyDefault[] = [
  rule('os_compute_api:os-admin-actions:reset_state', ADMIN, 'Reset the state of a server. POST /servers/{server_id}/action (os-resetState)'),
  rule('os_compute_api:os-admin-actions:inject_network_info', ADMIN, 'Inject network information into a server. POST /servers/{server_id}/action (injectNetworkInfo)'),
  rule(`${MS}:migrate`, MGR, 'Cold migrate a server, letting the scheduler choose the host. POST /servers/{server_id}/action (migrate)'),
  rule(`${MS}:migrate:host`, ADMIN, 'Cold migrate a server to a named host. POST /servers/{server_id}/action (migrate)'),
  rule(`${MS}:migrate_live`, MGR, 'Live migrate a server, letting the scheduler choose the host. POST /servers/{server_id}/action (os-migrateLive)'),
  rule(`${MS}:migrate_live:host`, ADMIN, 'Live migrate a server to a named host. POST /servers/{server_id}/action (os-migrateLive)', [`${MS}:migrate_live`, OLD_ADMIN]),
  rule('os_compute_api:os-evacuate', ADMIN, 'Rebuild a server on another host because its own host is down. POST /servers/{server_id}/action (evacuate)'),
  rule('os_compute_api:servers:resize', MEM, 'Resize a server to another flavor. POST /servers/{server_id}/action (resize)'),
  rule('os_compute_api:servers:confirm_resize', MEM, 'Confirm a resize or cold migration. POST /servers/{server_id}/action (confirmResize)'),
  rule('os_compute_api:servers:revert_resize', MEM, 'Revert a resize or cold migration. POST /servers/{server_id}/action (revertResize)'),
  rule('compute:servers:resize:cross_cell', '!', 'Whether a resize or cold migration may move a server to another cell.'),
  rule(MIG, MGR, 'List migrations of the caller\'s own project. GET /os-migrations'),
  rule(`${MIG}:all_projects`, ADMIN, 'List migrations of every project, or of another project. GET /os-migrations', [MIG, OLD_ADMIN]),
  rule(`${MIG}:host`, ADMIN, 'Show source and destination hosts in migration lists; otherwise they are null. GET /os-migrations', [MIG, OLD_ADMIN]),
  rule(`${SMIG}:index`, MGR, 'List in-progress live migrations of a server. GET /servers/{server_id}/migrations'),
  rule(`${SMIG}:index:host`, ADMIN, 'Show host fields in a server\'s migration list; otherwise they are null. GET /servers/{server_id}/migrations', [`${SMIG}:index`, OLD_ADMIN]),
  rule(`${SMIG}:show`, ADMIN, 'Show an in-progress live migration of a server. GET /servers/{server_id}/migrations/{migration_id}'),
  rule(`${SMIG}:force_complete`, MGR, 'Force an in-progress live migration to complete. POST /servers/{server_id}/migrations/{migration_id}/action (force_complete)'),
  rule(`${SMIG}:delete`, MGR, 'Abort an in-progress live migration. DELETE /servers/{server_id}/migrations/{migration_id}'),
  rule(`${IA}:list`, RDR, 'List the actions taken on a server. GET /servers/{server_id}/os-instance-actions', [IA, OLD_ADMIN_OR_OWNER]),
  rule(`${IA}:show`, RDR, 'Show one action taken on a server. GET /servers/{server_id}/os-instance-actions/{request_id}', [IA, OLD_ADMIN_OR_OWNER]),
  rule(`${IA}:events`, ADMIN, 'Show the events of an instance action, with tracebacks and hosts. GET /servers/{server_id}/os-instance-actions/{request_id}'),
  rule(`${IA}:events:details`, ADMIN, 'Show the failure details of instance action events. GET /servers/{server_id}/os-instance-actions/{request_id}'),
];

const SVC = 'os_compute_api:os-services';
const HYP = 'os_compute_api:os-hypervisors';
const HOSTS = 'os_compute_api:os-hosts';
const AUDIT_LOG = 'os_compute_api:os-instance-usage-audit-log';

const infrastructureRules: PolicyDefault[] = [
  rule(`${SVC}:list`, ADMIN, 'List compute services. GET /os-services', [SVC, OLD_ADMIN]),
  rule(`${SVC}:update`, ADMIN, 'Enable, disable or force down a compute service. PUT /os-services/{service_id}', [SVC, OLD_ADMIN]),
  rule(`${SVC}:delete`, ADMIN, 'Delete a compute service. DELETE /os-services/{service_id}', [SVC, OLD_ADMIN]),
  rule(`${HYP}:list`, ADMIN, 'List hypervisors. GET /os-hypervisors', [HYP, OLD_ADMIN]),
  rule(`${HYP}:list-detail`, ADMIN, 'List hypervisors with details. GET /os-hypervisors/detail', [HYP, OLD_ADMIN]),
  rule(`${HYP}:show`, ADMIN, 'Show a hypervisor. GET /os-hypervisors/{hypervisor_id}', [HYP, OLD_ADMIN]),
  rule(`${HYP}:statistics`, ADMIN, 'Show summed hypervisor statistics. GET /os-hypervisors/statistics', [HYP, OLD_ADMIN]),
  rule(`${HYP}:uptime`, ADMIN, 'Show a hypervisor\'s uptime. GET /os-hypervisors/{hypervisor_id}/uptime', [HYP, OLD_ADMIN]),
  rule(`${HYP}:search`, ADMIN, 'Search hypervisors by host name. GET /os-hypervisors/{pattern}/search', [HYP, OLD_ADMIN]),
  rule(`${HYP}:servers`, ADMIN, 'List the servers on hypervisors. GET /os-hypervisors/{pattern}/servers', [HYP, OLD_ADMIN]),
  rule('os_compute_api:os-aggregates:index', ADMIN, 'List host aggregates. GET /os-aggregates'),
  rule('os_compute_api:os-aggregates:create', ADMIN, 'Create a host aggregate. POST /os-aggregates'),
  rule('os_compute_api:os-aggregates:show', ADMIN, 'Show a host aggregate with its hosts and metadata. GET /os-aggregates/{aggregate_id}'),
  rule('os_compute_api:os-aggregates:update', ADMIN, 'Rename a host aggregate or change its availability zone. PUT /os-aggregates/{aggregate_id}'),
  rule('os_compute_api:os-aggregates:delete', ADMIN, 'Delete a host aggregate. DELETE /os-aggregates/{aggregate_id}'),
  rule('os_compute_api:os-aggregates:add_host', ADMIN, 'Add a host to an aggregate. POST /os-aggregates/{aggregate_id}/action (add_host)'),
  rule('os_compute_api:os-aggregates:remove_host', ADMIN, 'Remove a host from an aggregate. POST /os-aggregates/{aggregate_id}/action (remove_host)'),
  rule('os_compute_api:os-aggregates:set_metadata', ADMIN, 'Set or remove metadata of an aggregate. POST /os-aggregates/{aggregate_id}/action (set_metadata)'),
  rule('compute:aggregates:images', ADMIN, 'Ask for images to be cached on the hosts of an aggregate. POST /os-aggregates/{aggregate_id}/images'),
  rule('os_compute_api:os-availability-zone:list', '@', 'List availability zones. GET /os-availability-zone'),
  rule('os_compute_api:os-availability-zone:detail', ADMIN, 'List availability zones with their hosts and services. GET /os-availability-zone/detail'),
  rule('os_compute_api:os-flavor-manage:create', ADMIN, 'Create a flavor. POST /flavors'),
  rule('os_compute_api:os-flavor-manage:update', ADMIN, 'Update a flavor\'s description. PUT /flavors/{flavor_id}'),
  rule('os_compute_api:os-flavor-manage:delete', ADMIN, 'Delete a flavor. DELETE /flavors/{flavor_id}'),
  rule('os_compute_api:os-flavor-extra-specs:index', RDR, 'List a flavor\'s extra specs, and show them in flavor bodies. GET /flavors/{flavor_id}/os-extra_specs'),
  rule('os_compute_api:os-flavor-extra-specs:show', RDR, 'Show one extra spec of a flavor. GET /flavors/{flavor_id}/os-extra_specs/{key}'),
  rule('os_compute_api:os-flavor-extra-specs:create', ADMIN, 'Create extra specs of a flavor. POST /flavors/{flavor_id}/os-extra_specs'),
  rule('os_compute_api:os-flavor-extra-specs:update', ADMIN, 'Update one extra spec of a flavor. PUT /flavors/{flavor_id}/os-extra_specs/{key}'),
  rule('os_compute_api:os-flavor-extra-specs:delete', ADMIN, 'Delete one extra spec of a flavor. DELETE /flavors/{flavor_id}/os-extra_specs/{key}'),
  rule('os_compute_api:os-flavor-access', ADMIN, 'List the projects that may use a private flavor. GET /flavors/{flavor_id}/os-flavor-access'),
  rule('os_compute_api:os-flavor-access:add_tenant_access', ADMIN, 'Let a project use a private flavor. POST /flavors/{flavor_id}/action (addTenantAccess)'),
  rule('os_compute_api:os-flavor-access:remove_tenant_access', ADMIN, 'Stop a project from using a private flavor. POST /flavors/{flavor_id}/action (removeTenantAccess)'),
  rule('os_compute_api:os-keypairs:index', KEYPAIR_OWNER, 'List key pairs. GET /os-keypairs'),
  rule('os_compute_api:os-keypairs:create', KEYPAIR_OWNER, 'Create or import a key pair. POST /os-keypairs'),
  rule('os_compute_api:os-keypairs:delete', KEYPAIR_OWNER, 'Delete a key pair. DELETE /os-keypairs/{keypair_name}'),
  rule('os_compute_api:os-keypairs:show', KEYPAIR_OWNER, 'Show a key pair. GET /os-keypairs/{keypair_name}'),
  rule('os_compute_api:os-server-groups:create', MEM, 'Create a server group. POST /os-server-groups'),
  rule('os_compute_api:os-server-groups:delete', MEM, 'Delete a server group. DELETE /os-server-groups/{server_group_id}'),
  rule('os_compute_api:os-server-groups:index', RDR, 'List the server groups of the project. GET /os-server-groups'),
  rule('os_compute_api:os-server-groups:index:all_projects', ADMIN, 'List the server groups of every project. GET /os-server-groups?all_projects'),
  rule('os_compute_api:os-server-groups:show', RDR, 'Show a server group. GET /os-server-groups/{server_group_id}'),
  rule('os_compute_api:os-quota-sets:show', RDR, 'Show the quotas of a project. GET /os-quota-sets/{project_id}'),
  rule('os_compute_api:os-quota-sets:detail', RDR, 'Show the quotas of a project with their usage. GET /os-quota-sets/{project_id}/detail'),
  rule('os_compute_api:os-quota-sets:defaults', '@', 'List the default quotas. GET /os-quota-sets/{project_id}/defaults'),
  rule('os_compute_api:os-quota-sets:update', ADMIN, 'Update the quotas of a project. PUT /os-quota-sets/{project_id}'),
  rule('os_compute_api:os-quota-sets:delete', ADMIN, 'Revert the quotas of a project to the defaults. DELETE /os-quota-sets/{project_id}'),
  rule('os_compute_api:os-simple-tenant-usage:show', RDR, 'Show the usage of one project over a period. GET /os-simple-tenant-usage/{tenant_id}'),
  rule('os_compute_api:os-simple-tenant-usage:list', ADMIN, 'List the usage of every project over a period. GET /os-simple-tenant-usage'),
  rule(`${HOSTS}:list`, ADMIN, 'List hosts (deprecated: use os-hypervisors and os-services). GET /os-hosts', [HOSTS, OLD_ADMIN]),
  rule(`${HOSTS}:show`, ADMIN, 'Show the resources of a host (deprecated). GET /os-hosts/{host_name}', [HOSTS, OLD_ADMIN]),
  rule(`${HOSTS}:update`, ADMIN, 'Enable or disable a host, or put it in maintenance mode (deprecated). PUT /os-hosts/{host_name}', [HOSTS, OLD_ADMIN]),
  rule(`${HOSTS}:reboot`, ADMIN, 'Reboot a host (deprecated). GET /os-hosts/{host_name}/reboot', [HOSTS, OLD_ADMIN]),
  rule(`${HOSTS}:shutdown`, ADMIN, 'Shut down a host (deprecated). GET /os-hosts/{host_name}/shutdown', [HOSTS, OLD_ADMIN]),
  rule(`${HOSTS}:start`, ADMIN, 'Start a host (deprecated). GET /os-hosts/{host_name}/startup', [HOSTS, OLD_ADMIN]),
  rule(`${AUDIT_LOG}:list`, ADMIN, 'List the usage audits of all hosts for the last completed period. GET /os-instance_usage_audit_log', [AUDIT_LOG, OLD_ADMIN]),
  rule(`${AUDIT_LOG}:show`, ADMIN, 'Show the usage audits of all hosts for the period before a time. GET /os-instance_usage_audit_log/{before_timestamp}', [AUDIT_LOG, OLD_ADMIN]),
  rule('os_compute_api:os-quota-class-sets:show', ADMIN, 'Show the limits of a quota class. GET /os-quota-class-sets/{quota_class}'),
  rule('os_compute_api:os-quota-class-sets:update', ADMIN, 'Update the limits of a quota class. PUT /os-quota-class-sets/{quota_class}'),
  rule('os_compute_api:extensions', '@', 'List the API extensions, or show one by its alias. GET /extensions, GET /extensions/{alias}'),
  rule('os_compute_api:limits', '@', 'Show the rate and absolute limits of the current project. GET /limits'),
  rule('os_compute_api:limits:other_project', ADMIN, 'Show the rate and absolute limits of another project. GET /limits?tenant_id={project_id}', [
    'os_compute_api:os-used-limits',
    OLD_ADMIN,
  ]),
];

const S = 'os_compute_api:servers';

const serverRules: PolicyDefault[] = [
  rule(`${S}:index`, RDR, 'List servers. GET /servers'),
  rule(`${S}:detail`, RDR, 'List servers with details. GET /servers/detail'),
  rule(`${S}:index:get_all_tenants`, ADMIN, 'List servers of every project (all_tenants). GET /servers'),
  rule(`${S}:detail:get_all_tenants`, ADMIN, 'List servers of every project with details (all_tenants). GET /servers/detail'),
  rule(`${S}:allow_all_filters`, ADMIN, 'Filter server lists by any field; others have unknown filters dropped. GET /servers'),
  rule(`${S}:show`, RDR, 'Show a server. GET /servers/{server_id}'),
  rule(`${S}:show:flavor-extra-specs`, RDR, 'Show flavor extra specs in server bodies. GET /servers/{server_id}'),
  rule(`${S}:show:host_status`, ADMIN, 'Show the host_status of a server. GET /servers/{server_id}'),
  rule(`${S}:show:host_status:unknown-only`, ADMIN, 'Show host_status only when it is UNKNOWN. GET /servers/{server_id}'),
  rule('os_compute_api:os-extended-server-attributes', ADMIN, 'Show the OS-EXT-SRV-ATTR fields (host, hypervisor, instance name…) of a server. GET /servers/{server_id}'),
  rule(`${S}:create`, MEM, 'Create a server. POST /servers'),
  rule(`${S}:create:forced_host`, ADMIN, 'Create a server on a host or node named in availability_zone. POST /servers'),
  rule('compute:servers:create:requested_destination', ADMIN, 'Create a server on a requested host or hypervisor_hostname. POST /servers'),
  rule(`${S}:create:attach_volume`, MEM, 'Create a server with block device mappings. POST /servers'),
  rule(`${S}:create:attach_network`, MEM, 'Create a server with requested networks. POST /servers'),
  rule('os_compute_api:os-attach-interfaces:list', RDR, 'List the port interfaces of a server. GET /servers/{server_id}/os-interface'),
  rule('os_compute_api:os-attach-interfaces:show', RDR, 'Show one port interface of a server. GET /servers/{server_id}/os-interface/{port_id}'),
  rule('os_compute_api:os-attach-interfaces:create', MEM, 'Attach a port interface to a server. POST /servers/{server_id}/os-interface'),
  rule('os_compute_api:os-attach-interfaces:delete', MEM, 'Detach a port interface from a server. DELETE /servers/{server_id}/os-interface/{port_id}'),
  rule('network:attach_external_network', ADMIN, 'Attach a server to an external network. POST /servers, POST /servers/{server_id}/os-interface'),
  rule(`${S}:create:trusted_certs`, MEM, 'Create a server with trusted image certificates. POST /servers'),
  rule(`${S}:create:zero_disk_flavor`, ADMIN, 'Boot an image-backed server with a flavor of zero disk. POST /servers'),
  rule(`${S}:delete`, MEM, 'Delete a server. DELETE /servers/{server_id}'),
  rule(`${S}:update`, MEM, 'Update a server. PUT /servers/{server_id}'),
  rule(`${S}:reboot`, MEM, 'Reboot a server. POST /servers/{server_id}/action (reboot)'),
  rule(`${S}:start`, MEM, 'Start a stopped server. POST /servers/{server_id}/action (os-start)'),
  rule(`${S}:stop`, MEM, 'Stop a server. POST /servers/{server_id}/action (os-stop)'),
  rule(`${S}:rebuild`, MEM, 'Rebuild a server. POST /servers/{server_id}/action (rebuild)'),
  rule(`${S}:rebuild:trusted_certs`, MEM, 'Rebuild a server with trusted image certificates. POST /servers/{server_id}/action (rebuild)'),
  rule(`${S}:create_image`, MEM, 'Create an image from a server. POST /servers/{server_id}/action (createImage)'),
  rule('os_compute_api:os-create-backup', MEM, 'Create a back up of a server. POST /servers/{server_id}/action (createBackup)'),
  rule(`${S}:create_image:allow_volume_backed`, MEM, 'Create an image from a volume-backed server. POST /servers/{server_id}/action (createImage)'),
  rule(`${S}:trigger_crash_dump`, MEM, 'Trigger a crash dump in a server. POST /servers/{server_id}/action (trigger_crash_dump)'),
  rule('os_compute_api:os-lock-server:lock', MEM, 'Lock a server. POST /servers/{server_id}/action (lock)'),
  rule('os_compute_api:os-lock-server:unlock', MEM, 'Unlock a server. POST /servers/{server_id}/action (unlock)'),
  rule('os_compute_api:os-lock-server:unlock:unlock_override', ADMIN, 'Unlock a server that was locked by someone else. POST /servers/{server_id}/action (unlock)'),
  rule('os_compute_api:os-rescue', MEM, 'Rescue a server. POST /servers/{server_id}/action (rescue)'),
  rule('os_compute_api:os-unrescue', MEM, 'Unrescue a server. POST /servers/{server_id}/action (unrescue)', ['os_compute_api:os-rescue', OLD_ADMIN_OR_OWNER]),
  rule('os_compute_api:os-pause-server:pause', MEM, 'Pause a server. POST /servers/{server_id}/action (pause)'),
  rule('os_compute_api:os-pause-server:unpause', MEM, 'Unpause a paused server. POST /servers/{server_id}/action (unpause)'),
  rule('os_compute_api:os-suspend-server:suspend', MEM, 'Suspend a server. POST /servers/{server_id}/action (suspend)'),
  rule('os_compute_api:os-suspend-server:resume', MEM, 'Resume a suspended server. POST /servers/{server_id}/action (resume)'),
  rule('os_compute_api:os-shelve:shelve', MEM, 'Shelve a server. POST /servers/{server_id}/action (shelve)'),
  rule('os_compute_api:os-shelve:shelve_offload', ADMIN, 'Offload a shelved server from its host. POST /servers/{server_id}/action (shelveOffload)'),
  rule('os_compute_api:os-shelve:unshelve', MEM, 'Unshelve (restore) a shelved server. POST /servers/{server_id}/action (unshelve)'),
  rule('os_compute_api:os-shelve:unshelve_to_host', ADMIN, 'Unshelve an offloaded server to a named host. POST /servers/{server_id}/action (unshelve)'),
  rule('os_compute_api:os-deferred-delete:restore', MEM, 'Restore a soft-deleted server. POST /servers/{server_id}/action (restore)', ['os_compute_api:os-deferred-delete', OLD_ADMIN_OR_OWNER]),
  rule('os_compute_api:os-deferred-delete:force', MEM, 'Delete a server at once, before any deferred clean-up. POST /servers/{server_id}/action (forceDelete)', ['os_compute_api:os-deferred-delete', OLD_ADMIN_OR_OWNER]),
  rule('os_compute_api:server-metadata:index', RDR, 'List the metadata of a server. GET /servers/{server_id}/metadata'),
  rule('os_compute_api:server-metadata:show', RDR, 'Show one metadata item of a server. GET /servers/{server_id}/metadata/{key}'),
  rule('os_compute_api:server-metadata:create', MEM, 'Add or change metadata items of a server. POST /servers/{server_id}/metadata'),
  rule('os_compute_api:server-metadata:update_all', MEM, 'Replace all metadata of a server. PUT /servers/{server_id}/metadata'),
  rule('os_compute_api:server-metadata:update', MEM, 'Set one metadata item of a server. PUT /servers/{server_id}/metadata/{key}'),
  rule('os_compute_api:server-metadata:delete', MEM, 'Delete one metadata item of a server. DELETE /servers/{server_id}/metadata/{key}'),
  rule('os_compute_api:os-server-tags:index', RDR, 'List the tags of a server. GET /servers/{server_id}/tags'),
  rule('os_compute_api:os-server-tags:show', RDR, 'Check whether a server has a tag. GET /servers/{server_id}/tags/{tag}'),
  rule('os_compute_api:os-server-tags:update', MEM, 'Add one tag to a server. PUT /servers/{server_id}/tags/{tag}'),
  rule('os_compute_api:os-server-tags:update_all', MEM, 'Replace all tags of a server. PUT /servers/{server_id}/tags'),
  rule('os_compute_api:os-server-tags:delete', MEM, 'Remove one tag from a server. DELETE /servers/{server_id}/tags/{tag}'),
  rule('os_compute_api:os-server-tags:delete_all', MEM, 'Remove every tag from a server. DELETE /servers/{server_id}/tags'),
  rule('os_compute_api:ips:index', RDR, 'List the addresses of a server by network. GET /servers/{server_id}/ips'),
  rule('os_compute_api:ips:show', RDR, 'List the addresses of a server on one network. GET /servers/{server_id}/ips/{network_label}'),
  rule('os_compute_api:os-server-diagnostics', ADMIN, 'Show the diagnostics of a server. GET /servers/{server_id}/diagnostics'),
  rule('os_compute_api:os-server-password:show', RDR, 'Show the encrypted password a server\'s guest posted. GET /servers/{server_id}/os-server-password', ['os_compute_api:os-server-password', OLD_ADMIN_OR_OWNER]),
  rule('os_compute_api:os-server-password:clear', MEM, 'Clear the encrypted password of a server. DELETE /servers/{server_id}/os-server-password', ['os_compute_api:os-server-password', OLD_ADMIN_OR_OWNER]),
  rule('os_compute_api:os-console-output', MEM, 'Show the console output of a server. POST /servers/{server_id}/action (os-getConsoleOutput)'),
  rule('os_compute_api:os-server-external-events:create', 'rule:service_or_admin', 'Tell the compute service about events of its servers (other services). POST /os-server-external-events'),
  rule('os_compute_api:os-remote-consoles', MEM, 'Get a remote console URL of a server. POST /servers/{server_id}/remote-consoles, POST /servers/{server_id}/action (os-getVNCConsole, os-getSPICEConsole, os-getSerialConsole)'),
  rule('os_compute_api:os-console-auth-tokens', ADMIN, 'Show what a console auth token connects to. GET /os-console-auth-tokens/{console_token}'),
];

const NET = 'os_compute_api:os-networks';
const TNET = 'os_compute_api:os-tenant-networks';
const SG = 'os_compute_api:os-security-groups';
const FIP = 'os_compute_api:os-floating-ips';

/** Nova's proxies of the network service (deprecated there, served up to 2.35) and the server actions beside them. */
const networkProxyRules: PolicyDefault[] = [
  rule(`${NET}:list`, RDR, 'List networks through the compute API. GET /os-networks', [`${NET}:view`, OLD_ADMIN_OR_OWNER]),
  rule(`${NET}:show`, RDR, 'Show a network through the compute API. GET /os-networks/{network_id}', [`${NET}:view`, OLD_ADMIN_OR_OWNER]),
  rule(`${TNET}:list`, RDR, 'List the project\'s networks through the compute API. GET /os-tenant-networks', [TNET, OLD_ADMIN_OR_OWNER]),
  rule(`${TNET}:show`, RDR, 'Show a project network through the compute API. GET /os-tenant-networks/{network_id}', [TNET, OLD_ADMIN_OR_OWNER]),
  rule(`${SG}:get`, RDR, 'List security groups. GET /os-security-groups', [SG, OLD_ADMIN_OR_OWNER]),
  rule(`${SG}:show`, RDR, 'Show a security group. GET /os-security-groups/{security_group_id}', [SG, OLD_ADMIN_OR_OWNER]),
  rule(`${SG}:create`, MEM, 'Create a security group. POST /os-security-groups', [SG, OLD_ADMIN_OR_OWNER]),
  rule(`${SG}:update`, MEM, 'Update a security group. PUT /os-security-groups/{security_group_id}', [SG, OLD_ADMIN_OR_OWNER]),
  rule(`${SG}:delete`, MEM, 'Delete a security group. DELETE /os-security-groups/{security_group_id}', [SG, OLD_ADMIN_OR_OWNER]),
  rule(`${SG}:rule:create`, MEM, 'Add a rule to a security group. POST /os-security-group-rules', [SG, OLD_ADMIN_OR_OWNER]),
  rule(`${SG}:rule:delete`, MEM, 'Delete a security group rule. DELETE /os-security-group-rules/{security_group_rule_id}', [SG, OLD_ADMIN_OR_OWNER]),
  rule(`${SG}:list`, RDR, 'List the security groups of a server. GET /servers/{server_id}/os-security-groups', [SG, OLD_ADMIN_OR_OWNER]),
  rule(`${SG}:add`, MEM, 'Add a security group to a server. POST /servers/{server_id}/action (addSecurityGroup)', [SG, OLD_ADMIN_OR_OWNER]),
  rule(`${SG}:remove`, MEM, 'Remove a security group from a server. POST /servers/{server_id}/action (removeSecurityGroup)', [SG, OLD_ADMIN_OR_OWNER]),
  rule('os_compute_api:os-floating-ip-pools', '@', 'List floating IP pools (external networks). GET /os-floating-ip-pools'),
  rule(`${FIP}:list`, RDR, 'List the project\'s floating IPs. GET /os-floating-ips', [FIP, OLD_ADMIN_OR_OWNER]),
  rule(`${FIP}:show`, RDR, 'Show a floating IP. GET /os-floating-ips/{floating_ip_id}', [FIP, OLD_ADMIN_OR_OWNER]),
  rule(`${FIP}:create`, MEM, 'Allocate a floating IP from a pool. POST /os-floating-ips', [FIP, OLD_ADMIN_OR_OWNER]),
  rule(`${FIP}:delete`, MEM, 'Release a floating IP. DELETE /os-floating-ips/{floating_ip_id}', [FIP, OLD_ADMIN_OR_OWNER]),
  rule(`${FIP}:add`, MEM, 'Associate a floating IP with a server. POST /servers/{server_id}/action (addFloatingIp)', [FIP, OLD_ADMIN_OR_OWNER]),
  rule(`${FIP}:remove`, MEM, 'Disassociate a floating IP from a server. POST /servers/{server_id}/action (removeFloatingIp)', [FIP, OLD_ADMIN_OR_OWNER]),
];

const magnetarRules: PolicyDefault[] = [
  rule('magnetar:faults', ADMIN, 'Inject or clear faults in the fake virt driver, for testing failure handling.'),
  rule('magnetar:hosts', ADMIN, 'List, stop, crash and start the simulated compute hosts. GET /magnetar/hosts, POST /magnetar/hosts/{host}/action'),
  rule('magnetar:audit', ADMIN, 'Audit servers, migrations, allocations and the guests of every host against each other. GET /magnetar/audit'),
  rule('magnetar:events', ADMIN, 'Follow the deployment\'s notifications as a server-sent event stream. GET /magnetar/events'),
  rule('magnetar:clock', ADMIN, 'Show and move forward Magnetar\'s clock, when [magnetar] clock_control is on. GET /magnetar/clock, POST /magnetar/clock'),
];

export const POLICY_DEFAULTS: readonly PolicyDefault[] = Object.freeze([
  ...baseRules,
  ...adminActionRules,
  ...infrastructureRules,
  ...serverRules,
  ...networkProxyRules,
  ...magnetarRules,
]);
