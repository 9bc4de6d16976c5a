// Query parameters of /os-simple-tenant-usage per microversion: start, end
// (and detailed for the list); 2.40 adds paging; from 2.75 unknown names are
// a 400 instead of being dropped.
import type { Versioned } from '../router.js';
import type { QueryParamSpec, QuerySchema } from '../query.js';

const PERIOD: Readonly<Record<string, QueryParamSpec>> = { start: {}, end: {} };
const PAGING: Readonly<Record<string, QueryParamSpec>> = { limit: { type: 'nonNegInt' }, marker: {} };

function bySchemaVersion(params: Readonly<Record<string, QueryParamSpec>>): readonly Versioned<QuerySchema>[] {
  return [
    { max: '2.39', schema: { params, strict: false } },
    { min: '2.40', max: '2.74', schema: { params: { ...params, ...PAGING }, strict: false } },
    { min: '2.75', schema: { params: { ...params, ...PAGING }, strict: true } },
  ];
}

export const TENANT_USAGE_INDEX_QUERY = bySchemaVersion({ ...PERIOD, detailed: {} });
export const TENANT_USAGE_SHOW_QUERY = bySchemaVersion(PERIOD);
