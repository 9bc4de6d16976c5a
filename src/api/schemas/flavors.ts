// Query strings of the flavor read side. Unknown parameters are dropped
// before 2.75 and refused from then on; 2.102 adds `name` and drops the
// rxtx_factor sort key.
import type { QuerySchema } from '../query.js';

const SORT_KEYS = [
  'created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public',
  'memory_mb', 'name', 'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus',
] as const;

const indexParams = {
  limit: { type: 'nonNegInt' },
  marker: {},
  is_public: {},
  minRam: {},
  minDisk: {},
  sort_key: { enum: SORT_KEYS },
  sort_dir: { enum: ['asc', 'desc'] },
} as const;

export const flavorIndexQuery: QuerySchema = { params: indexParams, strict: false };
export const flavorIndexQueryV275: QuerySchema = { params: indexParams, strict: true };
export const flavorIndexQueryV2102: QuerySchema = {
  params: { ...indexParams, name: {}, sort_key: { enum: SORT_KEYS.filter((k) => k !== 'rxtx_factor') } },
  strict: true,
};

/** Show (and the other single-flavor reads) take no parameters; unknown ones are 400 from 2.102. */
export const noParams: QuerySchema = { params: {}, strict: false };
export const noParamsStrict: QuerySchema = { params: {}, strict: true };
