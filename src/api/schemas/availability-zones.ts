// Availability zones take no query parameters; unknown ones are refused from 2.102.
import type { QuerySchema } from '../query.js';

export const azQuery: QuerySchema = { params: {}, strict: false };
export const azQueryV2102: QuerySchema = { params: {}, strict: true };
