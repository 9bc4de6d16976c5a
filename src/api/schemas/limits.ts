// The query of GET /limits: `tenant_id` (an admin asks for another
// project); unknown parameters are refused from 2.75.
import type { Versioned } from '../router.js';
import type { QuerySchema } from '../query.js';

export const LIMITS_QUERY: readonly Versioned<QuerySchema>[] = [
  { max: '2.74', schema: { params: { tenant_id: {} }, strict: false } },
  { min: '2.75', schema: { params: { tenant_id: {} }, strict: true } },
];
