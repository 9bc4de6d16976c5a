// The server representation a client sees, per microversion and per the
// caller's policies (related-apis.md §1.2): the index item, the full body of
// show/detail/update, and the small body of create.
import { createHash } from 'node:crypto';
import type { InstanceFaultRow, InstanceRow } from '../../db/schema.js';
import { flavorOf } from '../../db/instances.js';
import { apiTime, apiTimeZ } from '../../db/time.js';
import { serverStatus, PROGRESS_STATUSES } from '../../compute/states.js';
import { diskConfigName, type DiskConfig } from '../../compute/disk-config.js';
import { can, type RequestContext } from '../context.js';
import { bookmarkLink, resourceLinks } from './links.js';
import { addressesView } from './addresses.js';
import type { InfoCache } from '../../db/info-caches.js';

const FAULT_STATUSES: ReadonlySet<string> = new Set(['ERROR', 'DELETED']);

/** Image properties Nova copies into a server's image view (2.98): the standard image-meta ones only. */
const STANDARD_IMAGE_PROPS: ReadonlySet<string> = new Set([
  'hw_architecture', 'architecture', 'hw_machine_type', 'hw_disk_bus', 'hw_cdrom_bus', 'hw_firmware_type', 'hw_vif_model',
  'hw_video_model', 'hw_qemu_guest_agent', 'hw_rng_model', 'hw_scsi_model', 'hw_cpu_cores', 'hw_cpu_sockets',
  'hw_cpu_threads', 'hw_cpu_policy', 'hw_mem_page_size', 'hw_boot_menu', 'hw_pointer_model', 'hw_watchdog_action',
  'img_config_drive', 'img_hv_type', 'img_hv_requested_version', 'os_distro', 'os_type', 'os_command_line',
  'os_secure_boot', 'os_require_quiesce', 'auto_disk_config', 'hypervisor_type', 'vm_mode', 'img_signature',
  'img_signature_hash_method', 'img_signature_certificate_uuid', 'img_signature_key_type', 'hw_auto_disk_config',
]);

/** SHA-224 of the server's project and host: lets a user see co-location without learning host names. */
export function hostId(projectId: string, host: string | null): string {
  if (!host) return '';
  const key = `${projectId}${host}`;
  let id = HOST_IDS.get(key);
  if (id === undefined) {
    // Few projects × hosts, asked for on every server body: hash each pair once.
    if (HOST_IDS.size >= 10_000) HOST_IDS.clear();
    id = createHash('sha224').update(key).digest('hex');
    HOST_IDS.set(key, id);
  }
  return id;
}
const HOST_IDS = new Map<string, string>();

/** Nova's `instance_name_template` (`instance-%08x` of the row id). */
export function instanceName(inst: Pick<InstanceRow, 'id'>): string {
  return `instance-${inst.id.toString(16).padStart(8, '0')}`;
}

/** What the view needs beyond the row, gathered by the caller. */
export interface ServerFacts {
  /** Latest fault of the server (only consulted for ERROR/DELETED). */
  readonly fault?: InstanceFaultRow | undefined;
  /** `UP`/`DOWN`/`MAINTENANCE`/`UNKNOWN`/`""`; undefined = not computed. */
  readonly hostStatus?: string | undefined;
  /** Properties of the server's image, when it is known. */
  readonly imageProperties?: Readonly<Record<string, string>> | undefined;
  /** The zone of the server's host. */
  readonly hostZone: string;
  /** The uuid of the server's group, when it is in one (read only for single-server bodies). */
  readonly serverGroup?: string | undefined;
  /** The server's network info cache and its ports' security group names. */
  readonly infoCache?: InfoCache | undefined;
}

export interface ShowOptions {
  /** Include flavor extra_specs (≥2.47, policy). */
  readonly showExtraSpecs: boolean;
  /** Include OS-EXT-SRV-ATTR:* (policy). */
  readonly showExtendedAttr: boolean;
  /** Host status visibility: 'all', 'unknown-only' or 'none' (≥2.16, policy). */
  readonly hostStatus: 'all' | 'unknown-only' | 'none';
  /** `server_groups` (≥2.71, show/update/rebuild only). */
  readonly showServerGroups: boolean;
  /** false for PUT below 2.75: only the basic fields. */
  readonly allAttributes: boolean;
}

/** The soft policies of a single-server body, checked against the server's project. */
export function showOptions(ctx: RequestContext, inst: Pick<InstanceRow, 'project_id'> | null, kind: 'show' | 'detail' | 'update'): ShowOptions {
  const v = ctx.version;
  const target = inst ? { project_id: inst.project_id } : undefined;
  const allAttributes = kind !== 'update' || v.atLeast('2.75');
  return {
    showExtraSpecs: v.atLeast('2.47') && can(ctx, 'os_compute_api:servers:show:flavor-extra-specs', target),
    showExtendedAttr: allAttributes && can(ctx, 'os_compute_api:os-extended-server-attributes', target),
    hostStatus: !allAttributes || v.below('2.16')
      ? 'none'
      : can(ctx, 'os_compute_api:servers:show:host_status', target)
        ? 'all'
        : can(ctx, 'os_compute_api:servers:show:host_status:unknown-only', target)
          ? 'unknown-only'
          : 'none',
    showServerGroups: kind !== 'detail' && v.atLeast('2.71'),
    allAttributes,
  };
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function imageView(ctx: RequestContext, inst: InstanceRow, facts: ServerFacts): unknown {
  if (!inst.image_ref) return '';
  const id = inst.image_ref.split('/').pop()!;
  const image: Record<string, unknown> = { id, links: [bookmarkLink(ctx, 'images', id)] };
  if (ctx.version.atLeast('2.98')) {
    const props = facts.imageProperties ?? {};
    image['properties'] = Object.fromEntries(Object.entries(props).filter(([k]) => STANDARD_IMAGE_PROPS.has(k)));
  }
  return image;
}

function flavorView(ctx: RequestContext, inst: InstanceRow, showExtraSpecs: boolean): unknown {
  const f = flavorOf(inst);
  if (ctx.version.below('2.47')) return { id: f.flavorid, links: [bookmarkLink(ctx, 'flavors', f.flavorid)] };
  return {
    vcpus: f.vcpus,
    ram: f.memory_mb,
    disk: f.root_gb,
    ephemeral: f.ephemeral_gb,
    swap: f.swap,
    original_name: f.name,
    ...(showExtraSpecs && { extra_specs: { ...(f.extra_specs ?? {}) } }),
  };
}

function faultView(ctx: RequestContext, fault: InstanceFaultRow): Record<string, unknown> {
  const out: Record<string, unknown> = { code: fault.code, created: apiTimeZ(fault.created_at), message: fault.message };
  // Internal errors keep their details from non-admins.
  if (fault.details && (ctx.isAdmin || fault.code !== 500)) out['details'] = fault.details;
  return out;
}

/** The zone shown for a server: its host's, else the zone it asked for. */
export function serverZone(inst: Pick<InstanceRow, 'host' | 'availability_zone'>, hostZone: string): string {
  return inst.host ? hostZone : (inst.availability_zone ?? '');
}

/** A server as `{id, name, links}` (index items). */
export function serverBasic(ctx: RequestContext, inst: InstanceRow): Record<string, unknown> {
  return { id: inst.uuid, name: inst.display_name, links: resourceLinks(ctx, 'servers', inst.uuid) };
}

/** The full server body of show, detail and (from 2.75) update. */
export function serverFull(ctx: RequestContext, inst: InstanceRow, facts: ServerFacts, o: ShowOptions): Record<string, unknown> {
  const v = ctx.version;
  const status = serverStatus(inst.vm_state, inst.task_state, inst.deleted !== 0);
  const s: Record<string, unknown> = {
    id: inst.uuid,
    name: inst.display_name,
    status,
    tenant_id: inst.project_id,
    user_id: inst.user_id,
    metadata: parseJson<Record<string, string>>(inst.metadata, {}),
    hostId: hostId(inst.project_id, inst.host),
    image: imageView(ctx, inst, facts),
    flavor: flavorView(ctx, inst, o.showExtraSpecs),
    created: apiTimeZ(inst.created_at),
    updated: apiTimeZ(inst.updated_at ?? inst.created_at),
    // Hidden while the server builds, as Nova does; the type and MAC in every full body (from 2.75 for update).
    addresses: inst.vm_state === 'building' ? {} : addressesView(facts.infoCache?.networkInfo ?? [], o.allAttributes),
    accessIPv4: inst.access_ip_v4 ?? '',
    accessIPv6: inst.access_ip_v6 ?? '',
    links: resourceLinks(ctx, 'servers', inst.uuid),
    'OS-DCF:diskConfig': diskConfigOf(inst),
  };
  if (FAULT_STATUSES.has(status) && facts.fault) s['fault'] = faultView(ctx, facts.fault);
  if (PROGRESS_STATUSES.has(status)) s['progress'] = inst.progress ?? 0;
  if (o.allAttributes) {
    s['OS-EXT-AZ:availability_zone'] = serverZone(inst, facts.hostZone);
    s['config_drive'] = inst.config_drive;
    s['key_name'] = inst.key_name;
    s['OS-SRV-USG:launched_at'] = apiTime(inst.launched_at);
    s['OS-SRV-USG:terminated_at'] = apiTime(inst.terminated_at);
    // From the groups of the server's ports; a server without any shows no key.
    const groups = facts.infoCache?.securityGroups ?? [];
    if (groups.length > 0) s['security_groups'] = groups.map((name) => ({ name }));
  }
  if (o.showExtendedAttr) {
    s['OS-EXT-SRV-ATTR:host'] = inst.host;
    s['OS-EXT-SRV-ATTR:instance_name'] = instanceName(inst);
    s['OS-EXT-SRV-ATTR:hypervisor_hostname'] = inst.node;
    if (v.atLeast('2.3')) {
      s['OS-EXT-SRV-ATTR:hostname'] = inst.hostname;
      s['OS-EXT-SRV-ATTR:kernel_id'] = '';
      s['OS-EXT-SRV-ATTR:launch_index'] = inst.launch_index;
      s['OS-EXT-SRV-ATTR:ramdisk_id'] = '';
      s['OS-EXT-SRV-ATTR:reservation_id'] = inst.reservation_id;
      s['OS-EXT-SRV-ATTR:root_device_name'] = inst.launched_at ? '/dev/vda' : null;
      s['OS-EXT-SRV-ATTR:user_data'] = inst.user_data;
    }
  }
  if (o.allAttributes) {
    s['OS-EXT-STS:task_state'] = inst.task_state;
    s['OS-EXT-STS:vm_state'] = inst.vm_state;
    s['OS-EXT-STS:power_state'] = inst.power_state;
    // No volumes: nothing is ever attached.
    s['os-extended-volumes:volumes_attached'] = [];
  }
  if (v.atLeast('2.9')) s['locked'] = inst.locked_by !== null;
  if (v.atLeast('2.16') && o.hostStatus !== 'none' && facts.hostStatus !== undefined) {
    if (o.hostStatus === 'all' || facts.hostStatus === 'UNKNOWN') s['host_status'] = facts.hostStatus;
  }
  if (v.atLeast('2.19')) s['description'] = inst.display_description;
  if (v.atLeast('2.26')) s['tags'] = parseJson<string[]>(inst.tags, []);
  if (v.atLeast('2.63')) s['trusted_image_certificates'] = null;
  if (o.showServerGroups) s['server_groups'] = facts.serverGroup !== undefined ? [facts.serverGroup] : [];
  if (v.atLeast('2.73')) s['locked_reason'] = inst.locked_reason;
  if (v.atLeast('2.90') && !o.showExtendedAttr) s['OS-EXT-SRV-ATTR:hostname'] = inst.hostname;
  if (o.allAttributes && v.atLeast('2.96')) s['pinned_availability_zone'] = inst.availability_zone;
  if (v.atLeast('2.100')) s['scheduler_hints'] = parseJson<Record<string, unknown>>(inst.scheduler_hints, {});
  return s;
}

/** Disk config of a server, as stored (set at create, resize and rebuild). */
export function diskConfigOf(inst: Pick<InstanceRow, 'auto_disk_config'>): DiskConfig {
  return diskConfigName(inst.auto_disk_config);
}

/** The body of a 202 to POST /servers. */
export function serverCreated(ctx: RequestContext, uuid: string, diskConfig: DiskConfig, securityGroups: unknown, adminPass: string | null): Record<string, unknown> {
  const s: Record<string, unknown> = {
    id: uuid,
    links: resourceLinks(ctx, 'servers', uuid),
    'OS-DCF:diskConfig': diskConfig,
    security_groups: securityGroups ?? [{ name: 'default' }],
  };
  if (adminPass !== null) s['adminPass'] = adminPass;
  return { server: s };
}
