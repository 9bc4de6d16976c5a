// The one call each place an event happens makes: `notifyInstance(ctx,
// 'instance.power_off.start', uuid, requestId)`. It reads the server as it
// is now (and who asked, from its instance action) and hands the payload to
// the notifier; nothing it does can fail the action.
import type { Logger } from 'pino';
import type { Db } from '../db/connect.js';
import type { Notifier } from './notifier.js';
import { getInstance } from '../db/instances.js';
import { instancePayload, type InstancePayloadKind } from './instance-payload.js';
import { versionedObject } from './envelope.js';
import type { ServiceRow } from '../db/schema.js';
import { apiTimeZ } from '../db/time.js';
import type { Json } from '../rpc/bus.js';
import { compiledOnce } from '../db/compiled-once.js';

/** Who asked for an action: read for most notifications, so compiled once. */
const initiatorOf = compiledOnce((db, uuid: string, requestId: string) =>
  db.selectFrom('instance_actions').select(['user_id', 'project_id']).where('instance_uuid', '=', uuid).where('request_id', '=', requestId),
);

/** What an emitter needs of its role's context. */
export interface NotifyContext {
  readonly db: Db;
  readonly log: Logger;
  readonly notifier?: Notifier | undefined;
}

export interface InstanceEventOptions {
  /** `nova-compute:<host>`, `nova-conductor:<host>`, `nova-api:<host>`. */
  readonly publisher: string;
  readonly requestId?: string | undefined;
  /** Who asked, when the caller knows (the API); otherwise read from the request's instance action. */
  readonly initiator?: { readonly userId: string | null; readonly projectId: string | null };
  readonly kind?: InstancePayloadKind;
  readonly priority?: 'INFO' | 'ERROR';
  /** Fields that differ from the record now (e.g. the host an evacuation goes to). */
  readonly override?: Readonly<Record<string, Json>>;
}

export async function notifyInstance(ctx: NotifyContext, eventType: string, uuid: string, opts: InstanceEventOptions): Promise<void> {
  const notifier = ctx.notifier;
  if (notifier === undefined) return;
  try {
    const db = ctx.db.kysely;
    const inst = await getInstance(db, uuid, { readDeleted: true });
    if (!inst) return;
    const action = opts.initiator
      ? { user_id: opts.initiator.userId, project_id: opts.initiator.projectId }
      : opts.requestId
      ? (await initiatorOf(db, uuid, opts.requestId))[0]
      : undefined;
    const who = { requestId: opts.requestId ?? null, userId: action?.user_id ?? null, projectId: action?.project_id ?? null };
    // The server's key pair, as Nova keeps a copy of it with the server (InstanceCreatePayload.keypairs).
    const keypairs =
      opts.kind === 'create' && inst.key_name
        ? await db
            .selectFrom('key_pairs')
            .select(['user_id', 'name', 'fingerprint', 'public_key', 'type'])
            .where('user_id', '=', inst.user_id)
            .where('name', '=', inst.key_name)
            .where('deleted', '=', 0)
            .execute()
        : [];
    const payload = instancePayload(opts.kind ?? 'action', inst, who, keypairs);
    if (opts.override) Object.assign(payload['nova_object.data'], opts.override);
    await notifier.emit(opts.priority ?? 'INFO', eventType, opts.publisher, payload, {
      ...(opts.requestId !== undefined && { requestId: opts.requestId }),
      userId: who.userId,
      projectId: who.projectId,
    });
  } catch (err) {
    // A host agent that was stopped mid-action says nothing more, as a killed process would.
    if (err instanceof Error && err.name === 'AgentStopped') return;
    ctx.log.warn({ err, instance: uuid, eventType }, 'could not send a notification');
  }
}

/** service.update (ServiceStatusPayload 1.1), sent when a service is disabled, enabled, forced down or up. */
export async function notifyServiceUpdate(ctx: NotifyContext, svc: ServiceRow, availabilityZone: string | null, requestId?: string): Promise<void> {
  const notifier = ctx.notifier;
  if (notifier === undefined) return;
  try {
    const payload = versionedObject('ServiceStatusPayload', '1.1', {
      host: svc.host,
      disabled: svc.disabled !== 0,
      binary: svc.binary,
      topic: svc.topic,
      disabled_reason: svc.disabled_reason,
      forced_down: svc.forced_down !== 0,
      version: svc.version,
      availability_zone: availabilityZone,
      uuid: svc.uuid,
      last_seen_up: apiTimeZ(svc.last_seen_up),
      report_count: svc.report_count,
    });
    await notifier.emit('INFO', 'service.update', `${svc.binary}:${svc.host}`, payload, requestId !== undefined ? { requestId } : {});
  } catch (err) {
    ctx.log.warn({ err, host: svc.host, eventType: 'service.update' }, 'could not send a notification');
  }
}
