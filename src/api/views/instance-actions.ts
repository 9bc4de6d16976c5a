// Instance actions and their events per microversion: `updated_at` from
// 2.58; events carry `traceback` and (2.62+) `host` only for callers with the
// events policy, `hostId` for everyone from 2.62, `details` (2.84+) only for
// callers with the events:details policy.
import { hostId } from './servers.js';
import type { RequestContext } from '../context.js';
import type { InstanceActionEventRow, InstanceActionRow } from '../../db/schema.js';
import { apiTime } from '../../db/time.js';

export function actionView(ctx: RequestContext, a: InstanceActionRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    action: a.action,
    instance_uuid: a.instance_uuid,
    request_id: a.request_id,
    user_id: a.user_id,
    project_id: a.project_id,
    start_time: apiTime(a.start_time),
    message: a.message,
  };
  if (ctx.version.atLeast('2.58')) out['updated_at'] = apiTime(a.updated_at);
  return out;
}

export interface EventVisibility {
  readonly traceback: boolean;
  readonly host: boolean;
  readonly hostId: boolean;
  readonly details: boolean;
}

export function eventView(e: InstanceActionEventRow, projectId: string, show: EventVisibility): Record<string, unknown> {
  const out: Record<string, unknown> = {
    event: e.event,
    start_time: apiTime(e.start_time),
    finish_time: apiTime(e.finish_time),
    result: e.result,
  };
  if (show.traceback) out['traceback'] = e.traceback;
  if (show.host) out['host'] = e.host;
  if (show.hostId) out['hostId'] = hostId(projectId, e.host);
  if (show.details) out['details'] = e.details;
  return out;
}
