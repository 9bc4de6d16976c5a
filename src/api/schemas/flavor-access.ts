// Bodies of the flavor access actions (POST /flavors/{flavor_id}/action).
import type { JsonSchema } from '../validation.js';

function tenantAction(name: string): JsonSchema {
  return {
    type: 'object',
    properties: {
      [name]: {
        type: 'object',
        properties: { tenant: { type: 'string', minLength: 1, maxLength: 255 } },
        required: ['tenant'],
        additionalProperties: false,
      },
    },
    required: [name],
    additionalProperties: false,
  };
}

export const addTenantAccess = tenantAction('addTenantAccess');
export const removeTenantAccess = tenantAction('removeTenantAccess');
