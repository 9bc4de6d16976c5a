// Request schemas of /os-quota-sets: the update body per microversion (the
// network keys go in 2.36, the injected-file keys in 2.57) and the `user_id`
// query parameter (unknown parameters are 400 from 2.75).
import type { JsonSchema } from '../validation.js';
import { BOOLISH } from '../validation.js';
import type { Versioned } from '../router.js';
import type { QuerySchema } from '../query.js';
import { QUOTA_RESOURCES } from '../../compute/quota-resources.js';
import { ApiVersion } from '../microversion.js';

const QUOTA_VALUE = { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1, maximum: 0x7fffffff } as const;

function updateSchema(version: string): JsonSchema {
  const v = ApiVersion.of(version);
  const props: Record<string, unknown> = {};
  for (const r of QUOTA_RESOURCES) if (r.droppedIn === undefined || v.below(r.droppedIn)) props[r.name] = QUOTA_VALUE;
  props['force'] = { type: ['boolean', 'string'], ...BOOLISH };
  return {
    type: 'object',
    properties: { quota_set: { type: 'object', properties: props, additionalProperties: false } },
    required: ['quota_set'],
    additionalProperties: false,
  };
}

export const QUOTA_UPDATE_BODY: readonly Versioned<JsonSchema>[] = [
  { max: '2.35', schema: updateSchema('2.1') },
  { min: '2.36', max: '2.56', schema: updateSchema('2.36') },
  { min: '2.57', schema: updateSchema('2.57') },
];

export const QUOTA_USER_QUERY: readonly Versioned<QuerySchema>[] = [
  { max: '2.74', schema: { params: { user_id: {} }, strict: false } },
  { min: '2.75', schema: { params: { user_id: {} }, strict: true } },
];
