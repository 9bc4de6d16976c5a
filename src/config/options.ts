// Every option Magnetar reads. Sections and names follow nova.conf where Nova
// has the option, so an operator's knowledge carries over; Magnetar's own
// options live in [magnetar], [identity], [image], [fake] and [qemu]; [quota] is Nova's.

export type OptionType = 'string' | 'int' | 'float' | 'bool' | 'list';

export interface OptionDef {
  readonly section: string;
  readonly name: string;
  readonly type: OptionType;
  readonly default: string | number | boolean | readonly string[] | null;
  readonly help: string;
}

const opt = (
  section: string,
  name: string,
  type: OptionType,
  def: OptionDef['default'],
  help: string,
): OptionDef => ({ section, name, type, default: def, help });

/**
 * The keystoneauth options of a section by which one part reaches another
 * service as its own user (src/identity/service-user.ts reads them).
 */
function serviceUserOptions(section: string, who: string, service: string, timeout: number): OptionDef[] {
  return [
    opt(section, 'auth_url', 'string', '', `Identity endpoint ${who} authenticates at for the ${service} service; empty = this deployment's identity service`),
    opt(section, 'username', 'string', 'admin', `User ${who} acts as towards the ${service} service`),
    opt(section, 'password', 'string', '', "That user's password; empty = [identity] admin_password"),
    opt(section, 'project_name', 'string', 'admin', 'Project of that user'),
    opt(section, 'user_domain_name', 'string', 'Default', 'Domain of that user'),
    opt(section, 'project_domain_name', 'string', 'Default', 'Domain of that project'),
    opt(section, 'region_name', 'string', '', `Region of the ${service} endpoint in the catalog; empty = [magnetar] region`),
    opt(section, 'valid_interfaces', 'list', ['internal', 'public'], `Catalog interfaces tried for the ${service} endpoint, in order`),
    opt(section, 'endpoint_override', 'string', '', `${service.charAt(0).toUpperCase()}${service.slice(1)} endpoint to use instead of the catalog's`),
    opt(section, 'timeout', 'float', timeout, `Seconds a request to the ${service} service may take`),
  ];
}

export const OPTIONS: readonly OptionDef[] = [
  // [DEFAULT] — Nova's names
  opt('DEFAULT', 'host', 'string', 'magnetar', 'Name of this node (the api/conductor/scheduler service host)'),
  opt('DEFAULT', 'state_path', 'string', './data', 'Directory for the SQLite file, clouds.yaml and other state'),
  opt('DEFAULT', 'transport_url', 'string', 'local://', 'Message bus: local:// (in-process) or rabbit://user:pass@host:port/vhost'),
  opt('DEFAULT', 'control_exchange', 'string', 'magnetar', 'Prefix of the message queues on the bus, so deployments can share a broker'),
  opt('DEFAULT', 'service_down_time', 'float', 60, 'Seconds without a heartbeat after which a service is down'),
  opt('DEFAULT', 'report_interval', 'float', 10, 'Seconds between compute service heartbeats'),
  opt('DEFAULT', 'periodic_interval', 'float', 60, 'Seconds between runs of the compute agent periodic tasks'),
  opt('DEFAULT', 'resize_confirm_window', 'float', 0, 'Seconds after which a finished resize/migration is confirmed automatically; 0 disables'),
  opt('DEFAULT', 'allow_resize_to_same_host', 'bool', false, 'Allow resize to pick the source host'),
  opt('DEFAULT', 'default_availability_zone', 'string', 'nova', 'Availability zone of compute services'),
  opt('DEFAULT', 'internal_service_availability_zone', 'string', 'internal', 'Availability zone of non-compute services'),
  opt('DEFAULT', 'password_length', 'int', 12, 'Length of generated admin passwords'),
  opt('DEFAULT', 'max_local_block_devices', 'int', 3, 'Local disks (image root, ephemeral, swap) a server may boot with; negative = no limit, 0 = no local disks at all'),
  opt('DEFAULT', 'max_concurrent_live_migrations', 'int', 1, 'Live migrations a compute host runs at once (0 = unlimited)'),
  opt('DEFAULT', 'max_concurrent_builds', 'int', 10, 'Builds a compute host runs at once (0 = unlimited)'),
  opt('DEFAULT', 'cpu_allocation_ratio', 'float', 4.0, 'Virtual CPU to physical CPU allocation ratio'),
  opt('DEFAULT', 'ram_allocation_ratio', 'float', 1.0, 'Virtual RAM to physical RAM allocation ratio'),
  opt('DEFAULT', 'disk_allocation_ratio', 'float', 1.0, 'Virtual disk to physical disk allocation ratio'),
  opt('DEFAULT', 'rpc_response_timeout', 'float', 60, 'Seconds to wait for the reply to a bus call'),
  opt('DEFAULT', 'debug', 'bool', false, 'Log at debug level'),
  opt('DEFAULT', 'live_migration_retry_count', 'int', 30, 'Unused by the fake driver; accepted for nova.conf compatibility'),
  opt('DEFAULT', 'resume_guests_state_on_host_boot', 'bool', false, 'Power guests back on when their host comes back from a power loss; otherwise their servers become SHUTOFF'),
  opt('DEFAULT', 'sync_power_state_interval', 'float', 600, 'Seconds between a host\'s checks that its servers\' power states match their guests; 0 = only at start-up'),
  opt('DEFAULT', 'running_deleted_instance_action', 'string', 'reap', 'What a host does with guests of deleted servers: noop, log, shutdown or reap'),
  opt('DEFAULT', 'running_deleted_instance_poll_interval', 'float', 1800, 'Seconds between a host\'s checks for guests it should no longer have; 0 = only at start-up'),
  opt('DEFAULT', 'reclaim_instance_interval', 'int', 0, 'Seconds a deleted server is kept soft-deleted (restorable) before its host deletes it; 0 = delete at once'),
  opt('DEFAULT', 'shelved_offload_time', 'int', 0, 'Seconds a shelved server keeps its guest and resources before its host offloads it; 0 = offload at once, -1 = never'),
  opt('DEFAULT', 'shelved_poll_interval', 'int', 3600, 'Seconds between a host\'s checks for shelved servers due to be offloaded; 0 = never'),
  opt('DEFAULT', 'instance_usage_audit', 'bool', false, 'Each compute host records, once per audit period, the servers that ran on it (os-instance_usage_audit_log)'),
  opt('DEFAULT', 'compute_driver', 'string', 'fake', 'Hypervisor of the compute hosts: fake (simulated guests) or qemu (real guests in QEMU processes)'),
  opt('DEFAULT', 'instances_path', 'string', '', 'Where a qemu host keeps its guests\' disks, consoles and QEMU sockets; $host is replaced by the host name; empty = state_path/instances/<host>'),
  opt('DEFAULT', 'shutdown_timeout', 'float', 60, 'Seconds a guest is given to power off on ACPI before it is stopped hard (stop, qemu driver)'),
  opt('DEFAULT', 'base_mac', 'string', 'fa:16:3e:00:00:00', 'Network service: the base MAC of ports; the last three octets, when 00, are generated'),
  opt('DEFAULT', 'max_allowed_address_pair', 'int', 10, 'Network service: the most allowed address pairs a port may have'),
  opt('DEFAULT', 'global_physnet_mtu', 'int', 1500, 'Network service: the MTU of the underlying network, the MTU of new networks and their upper limit'),
  opt('DEFAULT', 'vif_plugging_timeout', 'int', 300, 'Seconds a build, evacuation, unshelve, resize revert or live migration waits for the network service to report the ports it (re)bound plugged (network-vif-plugged); 0 = do not wait'),
  opt('DEFAULT', 'vif_plugging_is_fatal', 'bool', true, 'Whether a build or move whose ports were not reported plugged in time (or reported failed) fails; false = it goes on'),
  opt('DEFAULT', 'instance_usage_audit_period', 'string', 'month', 'Audit period: hour, day, month or year, optionally @offset (e.g. month@15)'),
  // [api]
  opt('api', 'max_limit', 'int', 1000, 'Largest page a paged list returns'),
  opt('api', 'enable_instance_password', 'bool', true, 'Return adminPass on server create/rebuild and evacuate below 2.14'),
  opt('api', 'compute_link_prefix', 'string', '', 'Replaces scheme, host and path prefix of compute links'),
  // [wsgi] / [oslo_middleware]
  opt('oslo_middleware', 'max_request_body_size', 'int', 114688, 'Largest accepted request body in bytes'),
  // [database]
  opt('database', 'connection', 'string', '', 'sqlite:///path/to/file.db or postgresql://user@host/db; empty = SQLite under state_path'),
  // [conductor]
  opt('conductor', 'migrate_max_retries', 'int', -1, 'Further hosts a scheduled live migration may try after pre-checks fail; -1 = until none are left'),
  // [scheduler]
  opt('scheduler', 'max_attempts', 'int', 3, 'Hosts tried for a build or cold migration'),
  // [workarounds]
  opt('workarounds', 'disable_group_policy_check_upcall', 'bool', false, 'Skip the check of a server group policy on the host a server is built on or moved to'),
  // [filter_scheduler]
  opt('filter_scheduler', 'enabled_filters', 'list',
    ['ComputeFilter', 'AvailabilityZoneFilter', 'RamFilter', 'DiskFilter', 'CoreFilter', 'SameHostFilter', 'DifferentHostFilter', 'ServerGroupAntiAffinityFilter', 'ServerGroupAffinityFilter'],
    'Filters a host must pass'),
  opt('filter_scheduler', 'ram_weight_multiplier', 'float', 1.0, 'Weight of free RAM; positive spreads, negative stacks'),
  opt('filter_scheduler', 'soft_affinity_weight_multiplier', 'float', 1.0, 'Weight of the members of a soft-affinity group a host already runs; must not be negative'),
  opt('filter_scheduler', 'soft_anti_affinity_weight_multiplier', 'float', 1.0, 'Weight against the members of a soft-anti-affinity group a host already runs; must not be negative'),
  opt('filter_scheduler', 'aggregate_image_properties_isolation_namespace', 'string', '',
    'AggregateImagePropertiesIsolation: only aggregate metadata keys starting with this namespace (and the separator) are compared'),
  opt('filter_scheduler', 'aggregate_image_properties_isolation_separator', 'string', '.', 'Separator after the namespace above'),
  // [compute]
  opt('compute', 'live_migration_completion_timeout', 'float', 800, 'Seconds a live migration may run before the timeout action is taken (the qemu driver: seconds per GiB of memory and copied disk, each at least 2, as Nova); 0 = no timeout'),
  opt('compute', 'live_migration_timeout_action', 'string', 'abort', 'What to do when a live migration times out: abort or force_complete'),
  opt('compute', 'live_migration_wait_for_vif_plug', 'bool', true, 'On a live migration\'s destination: whether the source waits for network-vif-plugged for the ports bound here (with per-host bindings) before it transfers the guest'),
  // [notifications] — Nova's; Magnetar emits only the versioned notifications
  opt('notifications', 'notification_format', 'string', 'unversioned', 'versioned or both: emit versioned notifications to the versioned_notifications_topics; unversioned or none: emit none (the API\'s event stream gets the events anyway)'),
  opt('notifications', 'versioned_notifications_topics', 'list', ['versioned_notifications'], 'Topics (routing key prefixes on the [DEFAULT] control_exchange exchange) versioned notifications go to'),
  // [neutron] — how the compute side reaches the network service (Nova's keystoneauth options)
  ...serviceUserOptions('neutron', 'the compute side', 'network', 30),
  opt('neutron', 'http_retries', 'int', 3, 'How often a request to the network service whose connection could not be made is tried again (after 0.5 s, 1 s, 2 s, …)'),
  opt('neutron', 'default_floating_pool', 'string', 'nova', 'Pool (external network, by name or id) os-floating-ips allocates from when the request names none'),
  // [glance] — how a compute host that does not share the image store fetches images (Nova's keystoneauth options)
  ...serviceUserOptions('glance', 'the compute side', 'image', 600),
  opt('glance', 'num_retries', 'int', 3, 'How often a failed image download is tried again'),
  opt('magnetar', 'compute_image_source', 'string', 'auto',
    'How a compute host reads image data and writes the images it makes (snapshots, backups, shelved disks): local (the image store under state_path), http (through the image API: downloads into state_path/cache/images, uploads with PUT /v2/images/{id}/file), auto (local when the image store directory is there and readable)'),
  // [nova] — how the network service reaches the compute API (Neutron's options)
  opt('DEFAULT', 'notify_nova_on_port_data_changes', 'bool', true, 'Network service: tell the compute service (network-changed events) when a server\'s ports change'),
  opt('DEFAULT', 'notify_nova_on_port_status_changes', 'bool', true, 'Network service: tell the compute service (network-vif-plugged/-unplugged events) when a server\'s port goes ACTIVE or DOWN'),
  opt('magnetar', 'port_wiring_delay', 'float', 0.05,
    'Network service: seconds its simulated L2 agent takes to wire a port bound to a host (DOWN until then, then ACTIVE); negative = never (ports stay DOWN)'),
  ...serviceUserOptions('nova', 'the network service', 'compute', 30),
  // [vnc], [spice], [serial_console], [mks], [consoleauth] — remote consoles, with Nova's defaults
  opt('vnc', 'enabled', 'bool', true, 'Serve VNC consoles (os-getVNCConsole, remote-consoles protocol vnc)'),
  opt('vnc', 'novncproxy_base_url', 'string', 'http://127.0.0.1:6080/vnc_auto.html', 'The noVNC proxy page users are sent to'),
  opt('spice', 'enabled', 'bool', false, 'Serve SPICE consoles'),
  opt('spice', 'html5proxy_base_url', 'string', 'http://127.0.0.1:6082/spice_auto.html', 'The SPICE HTML5 proxy page users are sent to'),
  opt('spice', 'spice_direct_proxy_base_url', 'string', 'http://127.0.0.1:13002/nova', 'The native SPICE proxy users are sent to (spice-direct, 2.99)'),
  opt('serial_console', 'enabled', 'bool', false, 'Serve serial consoles'),
  opt('serial_console', 'base_url', 'string', 'ws://127.0.0.1:6083/', 'The serial console proxy users are sent to'),
  opt('mks', 'enabled', 'bool', false, 'Serve MKS consoles'),
  opt('mks', 'mksproxy_base_url', 'string', 'http://127.0.0.1:6090/', 'The MKS proxy users are sent to'),
  opt('consoleauth', 'token_ttl', 'int', 600, 'Seconds a console token stays valid'),
  // [oslo_policy]
  opt('oslo_policy', 'policy_file', 'string', 'policy.yaml', 'Policy override file (relative to the config file directory)'),
  opt('oslo_policy', 'policy_dirs', 'list', ['policy.d'], 'Directories of further policy override files'),
  opt('oslo_policy', 'enforce_new_defaults', 'bool', true, 'Use only the new default rules'),
  opt('oslo_policy', 'enforce_scope', 'bool', true, 'Deny tokens whose scope a rule does not allow'),
  // [magnetar] — the all-in-one process and listeners
  opt('magnetar', 'bind_host', 'string', '127.0.0.1', 'Address the API listeners bind to'),
  opt('magnetar', 'compute_port', 'int', 8774, 'Port of the compute API'),
  opt('magnetar', 'identity_port', 'int', 5000, 'Port of the embedded identity API'),
  opt('magnetar', 'image_port', 'int', 9292, 'Port of the embedded image API'),
  opt('magnetar', 'network_port', 'int', 9696, 'Port of the embedded network API'),
  opt('magnetar', 'api_serves_network', 'bool', true, 'Whether `magnetar api` also serves the network API; false when `magnetar network` serves it'),
  opt('magnetar', 'console_port', 'int', 8800, 'Port of the operator console (a web page for admins); -1 = no console'),
  opt('magnetar', 'public_host', 'string', '', 'Host name used in URLs and the catalog; default bind_host'),
  opt('magnetar', 'compute_hosts', 'list', ['compute1', 'compute2', 'compute3'], 'Simulated compute hosts started by `serve`'),
  opt('magnetar', 'region', 'string', 'RegionOne', 'Region name in the service catalog'),
  opt('magnetar', 'clock_control', 'bool', false, 'Serve POST /v2.1/magnetar/clock, which moves Magnetar\'s clock forward (for testing automation that waits on long windows); never enable in production'),
  opt('magnetar', 'job_retry_interval', 'float', 10, 'Seconds after which work that no handler has taken is sent again (then backing off to 5 minutes)'),
  opt('magnetar', 'job_lease_time', 'float', 15, 'Seconds a handler holds work without renewing; work held by a handler that died is sent again after this'),
  opt('magnetar', 'heap_growth_percent', 'int', 100, 'How far (in percent) the JavaScript heap may grow past the data still in use before a full garbage collection; 0 = V8\'s own choice, which on a machine with much memory lets it grow to four times that data'),
  // [identity] — embedded Keystone subset
  opt('identity', 'token_expiration', 'int', 3600, 'Token lifetime in seconds'),
  opt('identity', 'token_secret', 'string', '', 'Secret that signs tokens; empty = generated and kept under state_path'),
  opt('identity', 'admin_password', 'string', 'admin', 'Password of user admin'),
  opt('identity', 'demo_password', 'string', 'demo', 'Password of user demo'),
  opt('identity', 'alt_demo_password', 'string', 'alt_demo', 'Password of user alt_demo'),
  opt('identity', 'demo_manager_password', 'string', 'demo_manager', 'Password of user demo_manager'),
  opt('identity', 'demo_reader_password', 'string', 'demo_reader', 'Password of user demo_reader'),
  opt('identity', 'extra_users', 'list', [], 'More users: name:password:project:role[+role...] entries'),
  opt('identity', 'external_url', 'string', '', 'Validate tokens against this external Keystone instead of the embedded one'),
  // [quota] — Nova's quota defaults (a project's, user's or the `default` class's own limits override them; -1 = unlimited)
  opt('quota', 'instances', 'int', 10, 'Instances allowed per project'),
  opt('quota', 'cores', 'int', 20, 'Instance cores (vCPUs) allowed per project'),
  opt('quota', 'ram', 'int', 51200, 'Megabytes of instance RAM allowed per project'),
  opt('quota', 'metadata_items', 'int', 128, 'Metadata items allowed per server'),
  opt('quota', 'injected_files', 'int', 5, 'Injected files allowed per server (before 2.57)'),
  opt('quota', 'injected_file_content_bytes', 'int', 10240, 'Bytes allowed per injected file'),
  opt('quota', 'injected_file_path_length', 'int', 255, 'Length allowed for an injected file path'),
  opt('quota', 'key_pairs', 'int', 100, 'Key pairs allowed per user'),
  opt('quota', 'server_groups', 'int', 10, 'Server groups allowed per project'),
  opt('quota', 'server_group_members', 'int', 10, 'Servers of one user a server group may hold'),
  opt('quota', 'recheck_quota', 'bool', true, 'Count again after creating key pairs and undo the creation when a race went over the limit'),
  // [fake] — the simulated hypervisor
  opt('fake', 'vcpus', 'int', 16, 'vCPUs each simulated host reports'),
  opt('fake', 'memory_mb', 'int', 32768, 'RAM (MB) each simulated host reports'),
  opt('fake', 'local_gb', 'int', 500, 'Disk (GB) each simulated host reports'),
  opt('fake', 'spawn_delay', 'string', '0.5', 'Seconds a build takes: fixed value or min,max'),
  opt('fake', 'destroy_delay', 'string', '0.1', 'Seconds a guest destroy takes'),
  opt('fake', 'power_delay', 'string', '0.1', 'Seconds a power on/off/pause/suspend takes'),
  opt('fake', 'migrate_delay', 'string', '0.5', 'Seconds each cold-migration step takes'),
  opt('fake', 'live_migration_delay', 'string', '1', 'Seconds a live migration runs before it completes'),
  opt('fake', 'live_migration_hold', 'bool', false, 'Hold live migrations running until force-completed, aborted or timed out'),
  opt('fake', 'precheck_delay', 'string', '0.05', 'Seconds each live-migration pre-check takes'),
  // [qemu] — real guests (the options Nova keeps in [libvirt] for this hypervisor)
  opt('qemu', 'virt_type', 'string', 'qemu', 'qemu (software emulation, TCG) or kvm (hardware acceleration; needs a working /dev/kvm)'),
  opt('qemu', 'emulator', 'string', 'qemu-system-x86_64', 'The QEMU system emulator to run'),
  opt('qemu', 'vcpus', 'int', 0, 'vCPUs each qemu host reports; 0 = this machine\'s'),
  opt('qemu', 'memory_mb', 'int', 0, 'RAM (MB) each qemu host reports; 0 = this machine\'s'),
  opt('qemu', 'local_gb', 'int', 0, 'Disk (GB) each qemu host reports; 0 = the size of the instances path\'s file system'),
  opt('qemu', 'live_migration_inbound_addr', 'string', '127.0.0.1', 'Address a qemu host listens on for a guest arriving by live migration (its memory and, for block migration, its disk over NBD)'),
  opt('qemu', 'live_migration_permit_post_copy', 'bool', false, 'Switch a running guest\'s live migration to post-copy on force-complete or a force_complete timeout, instead of pausing the guest; a block migration completes its disk copy first (Nova\'s [libvirt] live_migration_permit_post_copy)'),
  opt('qemu', 'migration_port_min', 'int', 49152, 'Lowest port an incoming live migration listens on'),
  opt('qemu', 'migration_port_max', 'int', 49215, 'Highest port an incoming live migration listens on'),
  opt('qemu', 'wait_soft_reboot_seconds', 'float', 120, 'Seconds a soft reboot waits for the guest to power off before it resets it'),
  opt('fake', 'faults', 'list', [], 'Injected failures: step[@host][#server][*count] entries, e.g. spawn@compute2, live_migration#<uuid>*1'),
];
