// Request schemas of /servers/{id}/migrations: the force_complete body and the
// list/show query strings (any parameter accepted until 2.102, none after).
import type { JsonSchema } from '../validation.js';
import type { Versioned } from '../router.js';
import type { QuerySchema } from '../query.js';

export const FORCE_COMPLETE_BODY: readonly Versioned<JsonSchema>[] = [
  {
    schema: {
      type: 'object',
      properties: { force_complete: { type: 'null' } },
      required: ['force_complete'],
      additionalProperties: false,
    },
  },
];

export const SERVER_MIGRATIONS_QUERY: readonly Versioned<QuerySchema>[] = [
  { max: '2.101', schema: { params: {}, strict: false } },
  { min: '2.102', schema: { params: {}, strict: true } },
];
