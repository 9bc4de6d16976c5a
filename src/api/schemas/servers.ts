// Request schemas of /servers: create and update bodies per microversion, and
// the list query. Formats are spelled as patterns (the validator does not
// check `format`).
import type { JsonSchema } from '../validation.js';
import { BOOLISH, UUID_PATTERN } from '../validation.js';
import type { Versioned } from '../router.js';
import type { QueryParamSpec, QuerySchema } from '../query.js';

/** Printable, 1–255 characters, no leading or trailing whitespace. */
export const NAME = { type: 'string', minLength: 1, maxLength: 255, pattern: '^(?!\\s)[^\\x00-\\x1f\\x7f]*(?<!\\s)$' } as const;
const DESCRIPTION = { type: ['string', 'null'], minLength: 0, maxLength: 255, pattern: '^[^\\x00-\\x1f\\x7f]*$' } as const;
const UUID = { type: 'string', pattern: UUID_PATTERN } as const;
const IPV4 = { type: 'string', pattern: '^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$' } as const;
const IPV6 = { type: 'string', pattern: '^(?=.*:)[0-9a-fA-F:.]{2,45}$' } as const;
const IP = { type: 'string', anyOf: [{ pattern: IPV4.pattern }, { pattern: IPV6.pattern }] } as const;
const POSITIVE_INT = { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1, minLength: 1 } as const;
const DISK_CONFIG = { type: 'string', enum: ['AUTO', 'MANUAL'] } as const;
const METADATA = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
  additionalProperties: false,
} as const;
const TAG = { type: 'string', pattern: '^[^,/]*$', minLength: 1, maxLength: 60 } as const;
const HOSTNAME = { type: 'string', pattern: '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$', minLength: 2, maxLength: 63 } as const;
const FQDN = { type: 'string', pattern: '^[a-zA-Z0-9-._]*$', minLength: 1, maxLength: 255 } as const;
const BASE64 = { type: 'string', pattern: '^[A-Za-z0-9+/=\\s]*$', maxLength: 65535 } as const;
const TRUSTED_CERTS = { type: ['array', 'null'], minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1 } } as const;

const HINTS = {
  type: 'object',
  properties: {
    group: { oneOf: [{ type: 'array', items: UUID }, UUID] },
    different_host: { oneOf: [UUID, { type: 'array', items: UUID }] },
    same_host: { type: ['string', 'array'], items: UUID },
    query: { type: ['string', 'object'] },
    target_cell: NAME,
    different_cell: { type: ['string', 'array'], items: { type: 'string' } },
    build_near_host_ip: IP,
    cidr: { type: 'string', pattern: '^/[0-9a-f.:]+$' },
  },
  additionalProperties: true,
} as const;

const LEGACY_BDM_PROPS = {
  virtual_name: { type: 'string', maxLength: 255 },
  volume_id: UUID,
  snapshot_id: UUID,
  volume_size: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1, maximum: 0x7fffffff },
  device_name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._/-]*$' },
  delete_on_termination: BOOLISH,
  no_device: {},
  connection_info: { type: 'string', maxLength: 16777215 },
};

const BDM_V2_PROPS = {
  ...LEGACY_BDM_PROPS,
  source_type: { type: 'string', enum: ['volume', 'image', 'snapshot', 'blank'] },
  uuid: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._-]*$' },
  image_id: UUID,
  destination_type: { type: 'string', enum: ['local', 'volume'] },
  guest_format: { type: 'string', maxLength: 255 },
  device_type: { type: 'string', maxLength: 255 },
  disk_bus: { type: 'string', maxLength: 255 },
  boot_index: { type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$' },
};

/** What a create schema of one version range accepts beyond the 2.1 base. */
interface CreateFeatures {
  readonly description?: boolean; // 2.19
  readonly networkTag?: boolean; // 2.32 (and 2.33–2.36), 2.42+
  readonly bdmTag?: boolean; // 2.32, 2.42+
  readonly networksRequired?: boolean; // 2.37
  readonly tags?: boolean; // 2.52
  readonly noPersonality?: boolean; // 2.57
  readonly trustedCerts?: boolean; // 2.63
  readonly volumeType?: boolean; // 2.67
  readonly destination?: boolean; // 2.74
  readonly hostname?: 'short' | 'fqdn'; // 2.90, 2.94
}

function createSchema(f: CreateFeatures): JsonSchema {
  const netItem: Record<string, unknown> = {
    fixed_ip: IP,
    port: { type: ['string', 'null'], pattern: UUID_PATTERN },
    uuid: f.networksRequired ? UUID : { type: 'string' },
    ...(f.networkTag && { tag: TAG }),
  };
  const netList = { type: 'array', items: { type: 'object', properties: netItem, additionalProperties: false } };
  const bdmV2 = {
    ...BDM_V2_PROPS,
    ...(f.bdmTag && { tag: TAG }),
    ...(f.volumeType && { volume_type: { type: ['string', 'null'], minLength: 0, maxLength: 255 } }),
  };
  const props: Record<string, unknown> = {
    name: NAME,
    imageRef: { oneOf: [UUID, { type: 'string', maxLength: 0 }] },
    flavorRef: { type: ['string', 'integer'], minLength: 1 },
    adminPass: { type: 'string' },
    metadata: METADATA,
    networks: f.networksRequired ? { oneOf: [netList, { type: 'string', enum: ['none', 'auto'] }] } : netList,
    'OS-DCF:diskConfig': DISK_CONFIG,
    accessIPv4: IPV4,
    accessIPv6: IPV6,
    ...(!f.noPersonality && {
      personality: {
        type: 'array',
        items: { type: 'object', properties: { path: { type: 'string' }, contents: BASE64 }, additionalProperties: false },
      },
    }),
    availability_zone: NAME,
    block_device_mapping: { type: 'array', items: { type: 'object', properties: LEGACY_BDM_PROPS, additionalProperties: false } },
    block_device_mapping_v2: { type: 'array', items: { type: 'object', properties: bdmV2, additionalProperties: false } },
    config_drive: BOOLISH,
    key_name: NAME,
    min_count: POSITIVE_INT,
    max_count: POSITIVE_INT,
    return_reservation_id: BOOLISH,
    security_groups: { type: 'array', items: { type: 'object', properties: { name: NAME }, additionalProperties: false } },
    user_data: BASE64,
    ...(f.description && { description: DESCRIPTION }),
    ...(f.tags && { tags: { type: 'array', items: TAG, maxItems: 50 } }),
    ...(f.trustedCerts && { trusted_image_certificates: TRUSTED_CERTS }),
    ...(f.destination && { host: FQDN, hypervisor_hostname: FQDN }),
    ...(f.hostname && { hostname: f.hostname === 'fqdn' ? FQDN : HOSTNAME }),
  };
  return {
    type: 'object',
    properties: {
      server: {
        type: 'object',
        properties: props,
        required: f.networksRequired ? ['name', 'flavorRef', 'networks'] : ['name', 'flavorRef'],
        additionalProperties: false,
      },
      'os:scheduler_hints': HINTS,
      'OS-SCH-HNT:scheduler_hints': HINTS,
    },
    required: ['server'],
    additionalProperties: false,
  };
}

const v219: CreateFeatures = { description: true };
const v233: CreateFeatures = { ...v219, networkTag: true };
const v237: CreateFeatures = { ...v233, networksRequired: true };
const v242: CreateFeatures = { ...v237, bdmTag: true };
const v252: CreateFeatures = { ...v242, tags: true };
const v257: CreateFeatures = { ...v252, noPersonality: true };
const v263: CreateFeatures = { ...v257, trustedCerts: true };
const v267: CreateFeatures = { ...v263, volumeType: true };
const v274: CreateFeatures = { ...v267, destination: true };

export const CREATE_BODY: readonly Versioned<JsonSchema>[] = [
  { min: '2.1', max: '2.18', schema: createSchema({}) },
  { min: '2.19', max: '2.31', schema: createSchema(v219) },
  { min: '2.32', max: '2.32', schema: createSchema({ ...v219, networkTag: true, bdmTag: true }) },
  { min: '2.33', max: '2.36', schema: createSchema(v233) },
  { min: '2.37', max: '2.41', schema: createSchema(v237) },
  { min: '2.42', max: '2.51', schema: createSchema(v242) },
  { min: '2.52', max: '2.56', schema: createSchema(v252) },
  { min: '2.57', max: '2.62', schema: createSchema(v257) },
  { min: '2.63', max: '2.66', schema: createSchema(v263) },
  { min: '2.67', max: '2.73', schema: createSchema(v267) },
  { min: '2.74', max: '2.89', schema: createSchema(v274) },
  { min: '2.90', max: '2.93', schema: createSchema({ ...v274, hostname: 'short' }) },
  { min: '2.94', schema: createSchema({ ...v274, hostname: 'fqdn' }) },
];

function updateSchema(extra: Record<string, unknown>): JsonSchema {
  return {
    type: 'object',
    properties: {
      server: {
        type: 'object',
        properties: { name: NAME, 'OS-DCF:diskConfig': DISK_CONFIG, accessIPv4: IPV4, accessIPv6: IPV6, ...extra },
        additionalProperties: false,
      },
    },
    required: ['server'],
    additionalProperties: false,
  };
}

const NAME_OR_NONE = { oneOf: [{ type: 'string', minLength: 1, maxLength: 255 }, { type: 'null' }] } as const;

export const UPDATE_BODY: readonly Versioned<JsonSchema>[] = [
  { min: '2.1', max: '2.18', schema: updateSchema({}) },
  { min: '2.19', max: '2.89', schema: updateSchema({ description: DESCRIPTION }) },
  { min: '2.90', max: '2.93', schema: updateSchema({ description: DESCRIPTION, hostname: HOSTNAME }) },
  { min: '2.94', max: '2.103', schema: updateSchema({ description: DESCRIPTION, hostname: FQDN }) },
  { min: '2.104', schema: updateSchema({ description: DESCRIPTION, hostname: FQDN, pinned_availability_zone: NAME_OR_NONE }) },
];

export const LOCK_BODY: readonly Versioned<JsonSchema>[] = [
  { min: '2.1', max: '2.72', schema: { type: 'object', properties: { lock: {} }, required: ['lock'], additionalProperties: false } },
  {
    min: '2.73',
    schema: {
      type: 'object',
      properties: {
        lock: {
          type: ['object', 'null'],
          properties: { locked_reason: { type: 'string', minLength: 1, maxLength: 255 } },
          additionalProperties: false,
        },
      },
      required: ['lock'],
      additionalProperties: false,
    },
  },
];

export const UNLOCK_BODY: readonly Versioned<JsonSchema>[] = [
  { schema: { type: 'object', properties: { unlock: {} }, required: ['unlock'], additionalProperties: false } },
];

// ---- list query ----

/** Sort keys Nova accepts but ignores (dropped with their direction). */
export const IGNORED_SORT_KEYS = [
  'architecture', 'cell_name', 'cleaned', 'default_ephemeral_device', 'default_swap_device', 'deleted', 'deleted_at',
  'disable_terminate', 'ephemeral_gb', 'ephemeral_key_uuid', 'id', 'key_data', 'launched_on', 'locked', 'memory_mb',
  'os_type', 'reservation_id', 'root_gb', 'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode',
] as const;

const SORT_KEYS = [
  'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone', 'config_drive', 'created_at',
  'display_description', 'display_name', 'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id', 'key_name',
  'launch_index', 'launched_at', 'locked_by', 'node', 'power_state', 'progress', 'project_id', 'ramdisk_id',
  'root_device_name', 'task_state', 'terminated_at', 'updated_at', 'user_id', 'uuid', 'vm_state',
] as const;

/** Sort keys ignored at a version: `locked` becomes a real key at 2.73; from 2.75 ignored keys are 400. */
export function ignoredSortKeys(atLeast273: boolean, atLeast275: boolean): readonly string[] {
  if (atLeast275) return [];
  return atLeast273 ? IGNORED_SORT_KEYS.filter((k) => k !== 'locked') : IGNORED_SORT_KEYS;
}

const S: QueryParamSpec = {};
const BASE_QUERY_PARAMS: Record<string, QueryParamSpec> = Object.fromEntries(
  [
    'user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref', 'image', 'kernel_id', 'ramdisk_id', 'hostname',
    'key_name', 'power_state', 'vm_state', 'task_state', 'host', 'node', 'flavor', 'reservation_id', 'launched_at',
    'terminated_at', 'availability_zone', 'name', 'display_name', 'description', 'display_description', 'locked_by',
    'uuid', 'root_device_name', 'config_drive', 'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'progress',
    'sort_dir', 'all_tenants', 'soft_deleted', 'deleted', 'status', 'ip', 'ip6', 'created_at', 'marker',
    // joined-table names: accepted by the schema so that the handler can refuse them
    'block_device_mapping', 'services', 'metadata', 'system_metadata', 'info_cache', 'security_groups', 'pci_devices',
  ].map((n) => [n, S]),
);

function listQuery(v: { tags?: boolean; before?: boolean; locked?: boolean; strict?: boolean }): QuerySchema {
  // From 2.75 the once-ignored keys are refused; `locked` is a real key from 2.73.
  const sortKeys: string[] = v.strict ? [...SORT_KEYS, 'locked'] : [...SORT_KEYS, ...IGNORED_SORT_KEYS];
  return {
    strict: v.strict ?? false,
    params: {
      ...BASE_QUERY_PARAMS,
      limit: { type: 'nonNegInt' },
      'changes-since': { type: 'datetime' },
      sort_key: { enum: sortKeys },
      ...(v.tags && { tags: S, 'tags-any': S, 'not-tags': S, 'not-tags-any': S }),
      ...(v.before && { 'changes-before': { type: 'datetime' } }),
      ...(v.locked && { locked: S }),
    },
  };
}

export const LIST_QUERY: readonly Versioned<QuerySchema>[] = [
  { min: '2.1', max: '2.25', schema: listQuery({}) },
  { min: '2.26', max: '2.65', schema: listQuery({ tags: true }) },
  { min: '2.66', max: '2.72', schema: listQuery({ tags: true, before: true }) },
  { min: '2.73', max: '2.74', schema: listQuery({ tags: true, before: true, locked: true }) },
  { min: '2.75', schema: listQuery({ tags: true, before: true, locked: true, strict: true }) },
];

/** GET /servers/{id}: anything goes until 2.102, then no query parameters at all. */
export const SHOW_QUERY: readonly Versioned<QuerySchema>[] = [
  { min: '2.1', max: '2.101', schema: { strict: false, params: {} } },
  { min: '2.102', schema: { strict: true, params: {} } },
];
