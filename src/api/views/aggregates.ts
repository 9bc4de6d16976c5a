// An aggregate as os-aggregates shows it: its zone (the `availability_zone`
// metadata), hosts and metadata except in create's answer, always-false
// `deleted`, and `uuid` from 2.41.
import type { Aggregate } from '../../db/aggregates.js';
import { aggregateZone } from '../../db/aggregates.js';
import { apiTime } from '../../db/time.js';
import type { RequestContext } from '../context.js';

export function aggregateView(ctx: RequestContext, agg: Aggregate, opts: { members: boolean } = { members: true }): Record<string, unknown> {
  return {
    availability_zone: aggregateZone(agg),
    created_at: apiTime(agg.created_at),
    deleted: false,
    deleted_at: null,
    ...(opts.members && { hosts: [...agg.hosts], metadata: { ...agg.metadata } }),
    id: agg.id,
    name: agg.name,
    updated_at: apiTime(agg.updated_at),
    ...(ctx.version.atLeast('2.41') && { uuid: agg.uuid }),
  };
}
