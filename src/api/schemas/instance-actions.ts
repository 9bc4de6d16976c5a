// Query strings of /servers/{server_id}/os-instance-actions: ignored before
// 2.58; paging and changes-since from 2.58, changes-before from 2.66, with
// unknown parameters refused. Show refuses unknown parameters from 2.102.
import type { QuerySchema } from '../query.js';

export const actionListQuery: QuerySchema = { params: {}, strict: false };
export const actionListQueryV258: QuerySchema = {
  params: { limit: { type: 'nonNegInt' }, marker: {}, 'changes-since': { type: 'datetime' } },
  strict: true,
};
export const actionListQueryV266: QuerySchema = {
  params: { ...actionListQueryV258.params, 'changes-before': { type: 'datetime' } },
  strict: true,
};

export const actionShowQuery: QuerySchema = { params: {}, strict: false };
export const actionShowQueryV2102: QuerySchema = { params: {}, strict: true };
