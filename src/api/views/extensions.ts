// The extensions list Nova still serves at GET /extensions: a fixed record of
// the v2 API's extensions (the features are part of the core API since 2.1),
// sorted by alias, every one with the same namespace and date and no links.
// Under the legacy `/v2` path one more (OS-EXT-VIF-NET) is listed. The
// descriptions are ours.

export interface Extension {
  readonly alias: string;
  readonly name: string;
  readonly description: string;
  readonly namespace: string;
  readonly updated: string;
  readonly links: readonly never[];
}

const NAMESPACE = 'http://docs.openstack.org/compute/ext/fake_xml';
const UPDATED = '2014-12-03T00:00:00Z';

/** [alias, name, description] */
const CORE: ReadonlyArray<readonly [string, string, string]> = [
  ['NMN', 'Multinic', 'Adds and removes fixed IPs on more than one network.'],
  ['OS-DCF', 'DiskConfig', 'The OS-DCF:diskConfig attribute of servers and images.'],
  ['OS-EXT-AZ', 'ExtendedAvailabilityZone', 'The availability zone in server bodies.'],
  ['OS-EXT-IMG-SIZE', 'ImageSize', 'The size of images in image bodies.'],
  ['OS-EXT-IPS', 'ExtendedIps', 'The type (fixed or floating) of server addresses.'],
  ['OS-EXT-IPS-MAC', 'ExtendedIpsMac', 'The MAC address of server addresses.'],
  ['OS-EXT-SRV-ATTR', 'ExtendedServerAttributes', 'Host, node and instance name in server bodies.'],
  ['OS-EXT-STS', 'ExtendedStatus', 'vm_state, task_state and power_state in server bodies.'],
  ['OS-FLV-DISABLED', 'FlavorDisabled', 'Whether a flavor is disabled.'],
  ['OS-FLV-EXT-DATA', 'FlavorExtraData', 'The ephemeral disk size of flavors.'],
  ['OS-SCH-HNT', 'SchedulerHints', 'Scheduler hints at server create.'],
  ['OS-SRV-USG', 'ServerUsage', 'Launch and termination times in server bodies.'],
  ['os-access-ips', 'AccessIPs', 'accessIPv4 and accessIPv6 of servers.'],
  ['os-admin-actions', 'AdminActions', 'Administrator actions on servers: reset state, network injection and reset.'],
  ['os-admin-password', 'AdminPassword', 'Changing a server\'s administrator password.'],
  ['os-agents', 'Agents', 'Guest agent builds (removed).'],
  ['os-aggregates', 'Aggregates', 'Host aggregates.'],
  ['os-assisted-volume-snapshots', 'AssistedVolumeSnapshots', 'Volume snapshots taken with the hypervisor\'s help.'],
  ['os-attach-interfaces', 'AttachInterfaces', 'Attaching and detaching server network interfaces.'],
  ['os-availability-zone', 'AvailabilityZone', 'Availability zones: listing them and booting into one.'],
  ['os-baremetal-ext-status', 'BareMetalExtStatus', 'Extra status of bare-metal nodes.'],
  ['os-baremetal-nodes', 'BareMetalNodes', 'Bare-metal nodes.'],
  ['os-block-device-mapping', 'BlockDeviceMapping', 'Booting with block device mappings.'],
  ['os-block-device-mapping-v2-boot', 'BlockDeviceMappingV2Boot', 'Booting with block_device_mapping_v2.'],
  ['os-cell-capacities', 'CellCapacities', 'Capacities of cells (removed).'],
  ['os-cells', 'Cells', 'Cells v1 (removed).'],
  ['os-certificates', 'Certificates', 'Certificates (removed).'],
  ['os-cloudpipe', 'Cloudpipe', 'VPN instances for projects (removed).'],
  ['os-cloudpipe-update', 'CloudpipeUpdate', 'The address of VPN instances (removed).'],
  ['os-config-drive', 'ConfigDrive', 'The config_drive attribute of servers.'],
  ['os-console-auth-tokens', 'ConsoleAuthTokens', 'Checking remote console tokens.'],
  ['os-console-output', 'ConsoleOutput', 'A server\'s console log, or its last lines.'],
  ['os-consoles', 'Consoles', 'Remote consoles.'],
  ['os-create-backup', 'CreateBackup', 'Rotating backups of a server.'],
  ['os-create-server-ext', 'Createserverext', 'Extra attributes at server create.'],
  ['os-deferred-delete', 'DeferredDelete', 'Soft delete: restore and force delete.'],
  ['os-evacuate', 'Evacuate', 'Evacuating servers from a failed host.'],
  ['os-extended-evacuate-find-host', 'ExtendedEvacuateFindHost', 'Evacuation to a host the scheduler picks.'],
  ['os-extended-floating-ips', 'ExtendedFloatingIps', 'A fixed address when adding a floating IP.'],
  ['os-extended-hypervisors', 'ExtendedHypervisors', 'More hypervisor attributes.'],
  ['os-extended-networks', 'ExtendedNetworks', 'More network attributes.'],
  ['os-extended-quotas', 'ExtendedQuotas', 'Deleting quotas and forcing quota updates.'],
  ['os-extended-rescue-with-image', 'ExtendedRescueWithImage', 'Rescue with a chosen image.'],
  ['os-extended-services', 'ExtendedServices', 'Disabling services with a reason.'],
  ['os-extended-services-delete', 'ExtendedServicesDelete', 'Deleting services.'],
  ['os-extended-status', 'ExtendedStatus', 'vm_state, task_state and power_state in server bodies.'],
  ['os-extended-volumes', 'ExtendedVolumes', 'Attached volumes in server bodies.'],
  ['os-fixed-ips', 'FixedIPs', 'Fixed IPs (removed).'],
  ['os-flavor-access', 'FlavorAccess', 'Project access to private flavors.'],
  ['os-flavor-extra-specs', 'FlavorExtraSpecs', 'Flavor extra specs.'],
  ['os-flavor-manage', 'FlavorManage', 'Creating and deleting flavors.'],
  ['os-flavor-rxtx', 'FlavorRxtx', 'The rxtx_factor of flavors.'],
  ['os-flavor-swap', 'FlavorSwap', 'The swap size of flavors.'],
  ['os-floating-ip-dns', 'FloatingIpDns', 'DNS entries of floating IPs (removed).'],
  ['os-floating-ip-pools', 'FloatingIpPools', 'Floating IP pools.'],
  ['os-floating-ips', 'FloatingIps', 'Floating IPs.'],
  ['os-floating-ips-bulk', 'FloatingIpsBulk', 'Floating IPs in bulk (removed).'],
  ['os-fping', 'Fping', 'Pinging servers (removed).'],
  ['os-hide-server-addresses', 'HideServerAddresses', 'Hiding server addresses in some states.'],
  ['os-hosts', 'Hosts', 'Compute hosts.'],
  ['os-hypervisor-status', 'HypervisorStatus', 'The status and state of hypervisors.'],
  ['os-hypervisors', 'Hypervisors', 'Hypervisors.'],
  ['os-instance-actions', 'InstanceActions', 'The actions taken on a server and their events.'],
  ['os-instance_usage_audit_log', 'OSInstanceUsageAuditLog', 'The instance usage audit log.'],
  ['os-keypairs', 'Keypairs', 'Key pairs.'],
  ['os-lock-server', 'LockServer', 'Locking and unlocking servers.'],
  ['os-migrate-server', 'MigrateServer', 'Cold and live migration of servers.'],
  ['os-migrations', 'Migrations', 'Migrations of servers.'],
  ['os-multiple-create', 'MultipleCreate', 'Creating several servers in one request.'],
  ['os-networks', 'Networks', 'Networks.'],
  ['os-networks-associate', 'NetworkAssociationSupport', 'Associating networks with projects and hosts (removed).'],
  ['os-pause-server', 'PauseServer', 'Pausing and unpausing servers.'],
  ['os-personality', 'Personality', 'Files injected at server create.'],
  ['os-preserve-ephemeral-rebuild', 'PreserveEphemeralOnRebuild', 'Keeping the ephemeral disk on rebuild.'],
  ['os-quota-class-sets', 'QuotaClasses', 'Quota classes.'],
  ['os-quota-sets', 'Quotas', 'Quotas.'],
  ['os-rescue', 'Rescue', 'Rescuing and unrescuing servers.'],
  ['os-security-group-default-rules', 'SecurityGroupDefaultRules', 'Default security group rules (removed).'],
  ['os-security-groups', 'SecurityGroups', 'Security groups.'],
  ['os-server-diagnostics', 'ServerDiagnostics', 'Server diagnostics.'],
  ['os-server-external-events', 'ServerExternalEvents', 'Events about servers sent by other services.'],
  ['os-server-group-quotas', 'ServerGroupQuotas', 'Quotas of server groups.'],
  ['os-server-groups', 'ServerGroups', 'Server groups.'],
  ['os-server-list-multi-status', 'ServerListMultiStatus', 'Filtering servers by several statuses.'],
  ['os-server-password', 'ServerPassword', 'Encrypted server passwords.'],
  ['os-server-sort-keys', 'ServerSortKeys', 'Sorting server lists.'],
  ['os-server-start-stop', 'ServerStartStop', 'Starting and stopping servers.'],
  ['os-services', 'Services', 'Services.'],
  ['os-shelve', 'Shelve', 'Shelving and unshelving servers.'],
  ['os-simple-tenant-usage', 'SimpleTenantUsage', 'Usage of projects.'],
  ['os-suspend-server', 'SuspendServer', 'Suspending and resuming servers.'],
  ['os-tenant-networks', 'OSTenantNetworks', 'Networks of projects.'],
  ['os-used-limits', 'UsedLimits', 'Usage beside the limits.'],
  ['os-used-limits-for-admin', 'UsedLimitsForAdmin', 'Usage of other projects beside their limits, for admins.'],
  ['os-user-data', 'UserData', 'User data at server create.'],
  ['os-user-quotas', 'UserQuotas', 'Quotas of users within a project.'],
  ['os-virtual-interfaces', 'VirtualInterfaces', 'Virtual interfaces (removed).'],
  ['os-volume-attachment-update', 'VolumeAttachmentUpdate', 'Swapping an attached volume.'],
  ['os-volumes', 'Volumes', 'Volumes.'],
];

/** Listed only under the legacy /v2 path. */
const LEGACY_V2_ONLY: readonly [string, string, string] = ['OS-EXT-VIF-NET', 'ExtendedVIFNet', 'The network id of virtual interfaces.'];

const extension = ([alias, name, description]: readonly [string, string, string]): Extension => ({
  alias,
  name,
  description,
  namespace: NAMESPACE,
  updated: UPDATED,
  links: [],
});

const byAlias = (a: Extension, b: Extension) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0);

export const EXTENSIONS: readonly Extension[] = CORE.map(extension);
export const EXTENSIONS_LEGACY_V2: readonly Extension[] = [...EXTENSIONS, extension(LEGACY_V2_ONLY)].sort(byAlias);
