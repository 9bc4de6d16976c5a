// Request body of migrate: not validated (and ignored) below 2.56; from 2.56
// null, {} or {"host": <hostname> | null}.
import type { JsonSchema } from '../validation.js';
import { HOSTNAME_OR_NULL } from '../validation.js';

export const MIGRATE_BODY_V2_56: JsonSchema = {
  type: 'object',
  properties: {
    migrate: {
      type: ['object', 'null'],
      properties: { host: HOSTNAME_OR_NULL },
      additionalProperties: false,
    },
  },
  required: ['migrate'],
  additionalProperties: false,
};

export interface MigrateBody {
  readonly migrate: { readonly host?: string | null } | null;
}
