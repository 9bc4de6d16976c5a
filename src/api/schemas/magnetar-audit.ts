// Query of GET /magnetar/audit: ?strict=<bool>&stuck_after=<seconds>.
import type { QuerySchema } from '../query.js';

export const auditQuery: QuerySchema = {
  params: { strict: { type: 'bool' }, stuck_after: { type: 'nonNegInt' } },
  strict: true,
};
