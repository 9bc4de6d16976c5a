// os-server-groups request bodies and queries (Nova's
// schemas/server_groups.py): one policy in a list up to 2.63 (the soft ones
// from 2.15), `policy` and `rules` from 2.64; unknown list parameters are
// dropped up to 2.74, unknown show parameters up to 2.101.
import type { JsonSchema } from '../validation.js';
import type { QuerySchema } from '../query.js';
import type { Versioned } from '../router.js';
import { NAME } from './servers.js';

const HARD = ['anti-affinity', 'affinity'];
const ALL = [...HARD, 'soft-anti-affinity', 'soft-affinity'];

const POSITIVE_INT = { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1, minLength: 1 } as const;

function createSchema(group: { properties: Record<string, unknown>; required: string[] }): JsonSchema {
  return {
    type: 'object',
    properties: {
      server_group: { type: 'object', properties: group.properties, required: group.required, additionalProperties: false },
    },
    required: ['server_group'],
    additionalProperties: false,
  };
}

const policies = (names: readonly string[]) => ({
  type: 'array',
  items: { type: 'string', enum: names },
  uniqueItems: true,
  minItems: 1,
  maxItems: 1,
});

export const SERVER_GROUP_CREATE: readonly Versioned<JsonSchema>[] = [
  { max: '2.14', schema: createSchema({ properties: { name: NAME, policies: policies(HARD) }, required: ['name', 'policies'] }) },
  { min: '2.15', max: '2.63', schema: createSchema({ properties: { name: NAME, policies: policies(ALL) }, required: ['name', 'policies'] }) },
  {
    min: '2.64',
    schema: createSchema({
      properties: {
        name: NAME,
        policy: { type: 'string', enum: ALL },
        rules: { type: 'object', properties: { max_server_per_host: POSITIVE_INT }, additionalProperties: false },
      },
      required: ['name', 'policy'],
    }),
  },
];

const LIST_PARAMS = { all_projects: {}, limit: { type: 'nonNegInt' }, offset: { type: 'nonNegInt' } } as const;

export const SERVER_GROUP_LIST_QUERY: readonly Versioned<QuerySchema>[] = [
  { max: '2.74', schema: { params: LIST_PARAMS, strict: false } },
  { min: '2.75', schema: { params: LIST_PARAMS, strict: true } },
];

export const SERVER_GROUP_SHOW_QUERY: readonly Versioned<QuerySchema>[] = [
  { max: '2.101', schema: { params: {}, strict: false } },
  { min: '2.102', schema: { params: {}, strict: true } },
];
