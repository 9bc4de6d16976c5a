// Request schemas of /os-quota-class-sets: the update body per microversion
// (the network keys go in 2.50, the injected-file keys in 2.57; the
// server-group pair is accepted at every version, as in Nova) and the show
// query, which refuses unknown parameters from 2.102.
import type { JsonSchema } from '../validation.js';
import type { Versioned } from '../router.js';
import type { QuerySchema } from '../query.js';
import { QUOTA_RESOURCES } from '../../compute/quota-resources.js';

const QUOTA_VALUE = { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1, maximum: 0x7fffffff } as const;
const NETWORK = new Set(['fixed_ips', 'floating_ips', 'security_groups', 'security_group_rules']);
const INJECTED = new Set(['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes']);

function updateSchema(dropped: ReadonlySet<string>): JsonSchema {
  const props: Record<string, unknown> = {};
  for (const r of QUOTA_RESOURCES) if (!dropped.has(r.name)) props[r.name] = QUOTA_VALUE;
  return {
    type: 'object',
    properties: { quota_class_set: { type: 'object', properties: props, additionalProperties: false } },
    required: ['quota_class_set'],
    additionalProperties: false,
  };
}

export const QUOTA_CLASS_UPDATE_BODY: readonly Versioned<JsonSchema>[] = [
  { max: '2.49', schema: updateSchema(new Set()) },
  { min: '2.50', max: '2.56', schema: updateSchema(NETWORK) },
  { min: '2.57', schema: updateSchema(new Set([...NETWORK, ...INJECTED])) },
];

export const QUOTA_CLASS_SHOW_QUERY: readonly Versioned<QuerySchema>[] = [
  { max: '2.101', schema: { params: {}, strict: false } },
  { min: '2.102', schema: { params: {}, strict: true } },
];
