// Query parameters of GET /os-migrations per microversion: before 2.59 the
// filters only (anything else dropped); 2.59 adds paging and changes-since and
// rejects unknown names; 2.66 adds changes-before; 2.80 user_id and project_id.
import type { Versioned } from '../router.js';
import type { QueryParamSpec, QuerySchema } from '../query.js';

const FILTERS: Readonly<Record<string, QueryParamSpec>> = {
  hidden: {},
  host: {},
  instance_uuid: {},
  source_compute: {},
  status: {},
  migration_type: {},
};
const V259 = { ...FILTERS, limit: { type: 'nonNegInt' }, marker: {}, 'changes-since': { type: 'datetime' } } as const;
const V266 = { ...V259, 'changes-before': { type: 'datetime' } } as const;
const V280 = { ...V266, user_id: {}, project_id: {} } as const;

export const MIGRATIONS_QUERY: readonly Versioned<QuerySchema>[] = [
  { max: '2.58', schema: { params: FILTERS, strict: false } },
  { min: '2.59', max: '2.65', schema: { params: V259, strict: true } },
  { min: '2.66', max: '2.79', schema: { params: V266, strict: true } },
  { min: '2.80', schema: { params: V280, strict: true } },
];
