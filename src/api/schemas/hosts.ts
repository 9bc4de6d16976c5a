// Bodies and queries of the deprecated os-hosts API (until 2.42).
import type { JsonSchema } from '../validation.js';
import type { QuerySchema } from '../query.js';

const ENABLE_DISABLE = { type: 'string', enum: ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE'] };

export const HOST_UPDATE_BODY: JsonSchema = {
  type: 'object',
  properties: { status: ENABLE_DISABLE, maintenance_mode: ENABLE_DISABLE },
  anyOf: [{ required: ['status'] }, { required: ['maintenance_mode'] }],
  additionalProperties: false,
};

/** `zone` filters the list; anything else is dropped (the API was frozen before strict queries). */
export const HOSTS_INDEX_QUERY: QuerySchema = { params: { zone: {} }, strict: false };

/** show and the power actions take no parameters and ignore any. */
export const HOSTS_NO_QUERY: QuerySchema = { params: {}, strict: false };

export interface HostUpdateBody {
  readonly status?: string;
  readonly maintenance_mode?: string;
}
