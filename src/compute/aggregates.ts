// The rules of host aggregates, as Nova's AggregateAPI has them: unique names;
// only compute hosts as members; a host in one availability zone at most (an
// aggregate's zone may not contradict the zone another aggregate gives one of
// its hosts); a host with servers never changes zone through an aggregate; an
// aggregate is deleted only once empty. Each change is one transaction, with
// aggregate writers serialised, and drops the API's cached host zones.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import {
  addAggregateHost,
  aggregateNameTaken,
  aggregateZone,
  aggregatesOfHosts,
  deleteAggregateRow,
  getAggregate,
  insertAggregate,
  lockAggregates,
  removeAggregateHost,
  setAggregateMetadata,
  updateAggregateRow,
  ZONE_KEY,
  type Aggregate,
} from '../db/aggregates.js';
import { ComputeHostNotFound, Conflict, Invalid, NotFound } from './errors.js';
import type { ComputeService } from './service.js';

export class AggregateNotFound extends NotFound {
  constructor(id: number | string) {
    super(`Aggregate ${id} could not be found.`);
  }
}

export class AggregateNameExists extends Conflict {
  constructor(name: string) {
    super(`Aggregate ${name} already exists.`);
  }
}

export class AggregateHostExists extends Conflict {
  constructor(id: number, host: string) {
    super(`Aggregate ${id} already has host ${host}.`);
  }
}

export class AggregateHostNotFound extends NotFound {
  constructor(id: number, host: string) {
    super(`Aggregate ${id} has no host ${host}.`);
  }
}

/** Which change was refused; Nova words each differently (and remove_host's doubles for delete). */
export type AggregateAction = 'add_host' | 'remove_host' | 'update' | 'set_metadata';

const ACTION_WORDS: Readonly<Record<AggregateAction, string>> = {
  add_host: 'Cannot add host to aggregate',
  remove_host: 'Cannot remove host from aggregate',
  update: 'Cannot update aggregate',
  set_metadata: 'Cannot update metadata of aggregate',
};

/** A change the aggregate's state does not allow: 400, except where the API says 409 (add_host, remove_host). */
export class InvalidAggregateAction extends Invalid {
  constructor(
    readonly action: AggregateAction,
    aggregateId: number,
    reason: string,
  ) {
    super(`${ACTION_WORDS[action]} ${aggregateId}. Reason: ${reason}.`);
  }
}

/** Python's repr of a list of strings, as Nova's messages print one. */
function pyList(items: readonly string[]): string {
  return `[${items.map((s) => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`)).join(', ')}]`;
}

async function instancesOnHosts(q: Kysely<Database>, hosts: readonly string[]): Promise<number> {
  if (hosts.length === 0) return 0;
  const r = await q
    .selectFrom('instances')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('host', 'in', [...hosts])
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Only a nova-compute service's host can join an aggregate. */
async function checkComputeHost(q: Kysely<Database>, host: string): Promise<void> {
  const svc = await q
    .selectFrom('services')
    .select('id')
    .where('host', '=', host)
    .where('binary', '=', 'nova-compute')
    .where('deleted', '=', 0)
    .executeTakeFirst();
  if (!svc) throw new ComputeHostNotFound(host);
}

async function mustGet(q: Kysely<Database>, id: number): Promise<Aggregate> {
  const agg = await getAggregate(q, id);
  if (!agg) throw new AggregateNotFound(id);
  return agg;
}

/**
 * Nova's is_safe_to_update_az: a zone set on an aggregate must be a name, must
 * not contradict the zone another aggregate gives one of the hosts (the
 * aggregate's own, or `hosts` when given), and — when asked — may only be
 * renamed while those hosts run no servers.
 */
async function checkZoneUpdate(
  q: Kysely<Database>,
  metadata: Readonly<Record<string, string | null>>,
  agg: Aggregate,
  action: AggregateAction,
  opts: { hosts?: readonly string[]; noInstancesOnChange?: boolean } = {},
): Promise<void> {
  if (!(ZONE_KEY in metadata)) return;
  const zone = metadata[ZONE_KEY];
  if (!zone) throw new InvalidAggregateAction(action, agg.id, `Aggregate ${agg.name} does not support empty named availability zone`);
  const hosts = opts.hosts !== undefined && opts.hosts.length > 0 ? opts.hosts : agg.hosts;
  const conflicting = (await aggregatesOfHosts(q, hosts))
    .filter((a) => a.id !== agg.id && aggregateZone(a) !== null && aggregateZone(a) !== zone)
    .map((a) => aggregateZone(a)!);
  if (conflicting.length > 0) throw new InvalidAggregateAction(action, agg.id, `One or more hosts already in availability zone(s) ${pyList(conflicting)}`);
  if (opts.noInstancesOnChange && aggregateZone(agg) !== zone && (await instancesOnHosts(q, hosts)) > 0)
    throw new InvalidAggregateAction(action, agg.id, 'One or more hosts contain instances in this zone');
}

const MOVE_ADVICE =
  'Changing the AZ of an existing instance is not supported by this action. Move the instances away from this host then try again. ' +
  'If you need to move the instances between AZs then you can use shelve_offload and unshelve to achieve this.';

/** The zone a host's aggregates give it, leaving one aggregate out; null when none does. */
async function zoneOfHostWithout(q: Kysely<Database>, host: string, leaveOut?: number): Promise<string | null> {
  const zoned = (await aggregatesOfHosts(q, [host])).filter((a) => a.id !== leaveOut && aggregateZone(a) !== null);
  return zoned.length > 0 ? aggregateZone(zoned[0]!) : null;
}

/** Servers never change zone because their host joins or leaves an aggregate. */
async function checkServersKeepZone(q: Kysely<Database>, agg: Aggregate, host: string, action: 'add_host' | 'remove_host'): Promise<void> {
  const count = await instancesOnHosts(q, [host]);
  if (count === 0) return;
  const aggZone = aggregateZone(agg);
  if (!aggZone) return;
  const [from, to, verb] =
    action === 'add_host'
      ? [await zoneOfHostWithout(q, host), aggZone, 'added to']
      : [aggZone, await zoneOfHostWithout(q, host, agg.id), 'removed from'];
  if (from === to) return;
  throw new InvalidAggregateAction(
    action,
    agg.id,
    `The host cannot be ${verb} the aggregate as the availability zone of the host would change from '${from ?? 'None'}' to '${to ?? 'None'}' ` +
      `but the host already has ${count} instance(s). ${MOVE_ADVICE}`,
  );
}

/** One serialised transaction over the aggregate tables; the cached zones are dropped after it commits. */
async function write<T>(svc: ComputeService, fn: (q: Kysely<Database>) => Promise<T>): Promise<T> {
  const out = await svc.db.kysely.transaction().execute(async (trx) => {
    await lockAggregates(svc.db, trx);
    return fn(trx);
  });
  svc.zones.invalidate();
  return out;
}

export function showAggregate(svc: ComputeService, id: number): Promise<Aggregate> {
  return mustGet(svc.db.kysely, id);
}

/** POST /os-aggregates: a name not yet taken; a zone, when given, becomes the `availability_zone` metadata. */
export function createAggregate(svc: ComputeService, name: string, zone: string | null): Promise<Aggregate> {
  return write(svc, async (q) => {
    if (await aggregateNameTaken(q, name)) throw new AggregateNameExists(name);
    const id = await insertAggregate(q, { uuid: randomUUID(), name, metadata: zone ? { [ZONE_KEY]: zone } : {} }, svc.clock.now());
    return mustGet(q, id);
  });
}

export interface AggregateUpdate {
  readonly name?: string;
  /** null is refused, as Nova refuses an empty zone. */
  readonly availabilityZone?: string | null;
}

/** PUT /os-aggregates/{id}: rename and/or move to another zone, all or nothing. */
export function updateAggregate(svc: ComputeService, id: number, u: AggregateUpdate): Promise<Aggregate> {
  return write(svc, async (q) => {
    const agg = await mustGet(q, id);
    if (u.name !== undefined && (await aggregateNameTaken(q, u.name, id))) throw new AggregateNameExists(u.name);
    const meta: Record<string, string | null> = u.availabilityZone !== undefined ? { [ZONE_KEY]: u.availabilityZone } : {};
    await checkZoneUpdate(q, meta, agg, 'update', { noInstancesOnChange: true });
    const now = svc.clock.now();
    await updateAggregateRow(q, id, u.name !== undefined ? { name: u.name } : {}, now);
    if (u.availabilityZone) await setAggregateMetadata(q, id, { [ZONE_KEY]: u.availabilityZone }, now);
    return mustGet(q, id);
  });
}

/** set_metadata: keys given a value are set, keys given null removed. */
export function setMetadata(svc: ComputeService, id: number, metadata: Readonly<Record<string, string | null>>): Promise<Aggregate> {
  return write(svc, async (q) => {
    const agg = await mustGet(q, id);
    await checkZoneUpdate(q, metadata, agg, 'set_metadata', { noInstancesOnChange: true });
    const now = svc.clock.now();
    await setAggregateMetadata(q, id, metadata, now);
    await updateAggregateRow(q, id, {}, now);
    return mustGet(q, id);
  });
}

/** DELETE /os-aggregates/{id}: only an aggregate without hosts. */
export function deleteAggregate(svc: ComputeService, id: number): Promise<void> {
  return write(svc, async (q) => {
    const agg = await mustGet(q, id);
    if (agg.hosts.length > 0) throw new InvalidAggregateAction('remove_host', id, 'Host aggregate is not empty');
    await deleteAggregateRow(q, id);
  });
}

/** add_host: a compute host, not in a contradicting zone, whose servers keep their zone. */
export function addHost(svc: ComputeService, id: number, host: string): Promise<Aggregate> {
  return write(svc, async (q) => {
    await checkComputeHost(q, host);
    const agg = await mustGet(q, id);
    await checkZoneUpdate(q, agg.metadata, agg, 'add_host', { hosts: [host] });
    await checkServersKeepZone(q, agg, host, 'add_host');
    if (agg.hosts.includes(host)) throw new AggregateHostExists(id, host);
    await addAggregateHost(q, id, host, svc.clock.now());
    return mustGet(q, id);
  });
}

/** remove_host: a member host whose servers keep their zone. */
export function removeHost(svc: ComputeService, id: number, host: string): Promise<Aggregate> {
  return write(svc, async (q) => {
    await checkComputeHost(q, host);
    const agg = await mustGet(q, id);
    await checkServersKeepZone(q, agg, host, 'remove_host');
    if (!(await removeAggregateHost(q, id, host))) throw new AggregateHostNotFound(id, host);
    return mustGet(q, id);
  });
}
