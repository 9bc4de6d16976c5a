// The extensions list and show take no query parameters; unknown ones are refused from 2.102.
import type { Versioned } from '../router.js';
import type { QuerySchema } from '../query.js';

export const EXTENSIONS_QUERY: readonly Versioned<QuerySchema>[] = [
  { max: '2.101', schema: { params: {}, strict: false } },
  { min: '2.102', schema: { params: {}, strict: true } },
];
