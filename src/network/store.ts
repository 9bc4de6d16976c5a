// The network service's rows (see db/migrations/015_network.ts): each
// resource is read and written whole, as the record its views are made from.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Db } from '../db/connect.js';
import { compiledOnce } from '../db/compiled-once.js';

export type ResourceTable =
  | 'network_networks' | 'network_subnets' | 'network_ports' | 'network_security_groups' | 'network_security_group_rules'
  | 'network_routers' | 'network_floatingips' | 'network_address_scopes' | 'network_subnetpools';

/** A stored resource: its standard attributes and the rest of its attributes. */
export interface Resource {
  readonly id: string;
  readonly project_id: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
  readonly [attr: string]: unknown;
}

export interface IpAllocation {
  readonly network_id: string;
  readonly ip_address: string;
  readonly subnet_id: string;
  readonly port_id: string;
}

/** Columns besides the standard ones that each table keeps out of `attrs`. */
const KEY_COLUMNS: Record<ResourceTable, readonly string[]> = {
  network_networks: [],
  network_subnets: ['network_id'],
  network_ports: ['network_id', 'mac_address', 'device_id'],
  network_security_groups: [],
  network_security_group_rules: ['security_group_id'],
  network_routers: [],
  network_floatingips: [],
  network_address_scopes: [],
  network_subnetpools: [],
};
const STANDARD = ['id', 'project_id', 'created_at', 'updated_at', 'revision_number'];

type Row = Record<string, unknown> & { attrs: string };

function toResource(row: Row): Resource {
  const { attrs, ...columns } = row;
  return { ...(JSON.parse(attrs) as Record<string, unknown>), ...columns } as Resource;
}

function toRow(table: ResourceTable, r: Resource): Record<string, unknown> {
  const columns = [...STANDARD, ...KEY_COLUMNS[table]];
  const attrs = Object.fromEntries(Object.entries(r).filter(([k]) => !columns.includes(k)));
  return { ...Object.fromEntries(columns.map((c) => [c, r[c]])), attrs: JSON.stringify(attrs) };
}

/** A unique or primary key refused the row (SQLite or PostgreSQL wording). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e?.message ?? '');
}

/** A table's rows (those whose column holds one of the values, when given) in the order they were made. */
function rowsQuery(k: Kysely<Database> | Transaction<Database>, table: ResourceTable, where?: { column: string; in: readonly string[] }) {
  // The table name varies by call; kysely's types follow one table at a time.
  let q = (k as unknown as Kysely<Record<string, Row>>).selectFrom(table).selectAll();
  if (where) q = q.where(where.column, 'in', [...where.in]);
  return q.orderBy('created_at').orderBy('id');
}

/**
 * A table's rows whose column holds one value (a server's ports, as the
 * compute side reads them on every move, a port's network): compiled once
 * per table and column (see compiled-once.ts).
 */
const byOneValue = new Map<string, (db: Kysely<Database>, value: string) => Promise<unknown[]>>();

function rowsWhereOne(table: ResourceTable, column: string): (db: Kysely<Database>, value: string) => Promise<unknown[]> {
  const key = `${table}.${column}`;
  let run = byOneValue.get(key);
  if (run === undefined) {
    run = compiledOnce((q, value: string) => rowsQuery(q, table, { column, in: [value] }));
    byOneValue.set(key, run);
  }
  return run;
}

export class NetworkStore {
  constructor(private readonly k: Kysely<Database> | Transaction<Database>) {}

  static of(db: Db): NetworkStore {
    return new NetworkStore(db.kysely);
  }

  /** Runs `fn` in one transaction; what it writes is kept only if it returns. */
  async transact<T>(fn: (s: NetworkStore) => Promise<T>): Promise<T> {
    if ((this.k as Transaction<Database>).isTransaction) return fn(this);
    return (this.k as Kysely<Database>).transaction().execute((trx) => fn(new NetworkStore(trx)));
  }

  // The table name varies by call; kysely's types follow one table at a time.
  private from(table: ResourceTable) {
    return (this.k as unknown as Kysely<Record<string, Row>>).selectFrom(table).selectAll();
  }

  async list(table: ResourceTable, where?: { column: string; in: readonly string[] }): Promise<Resource[]> {
    if (where && where.in.length === 0) return [];
    if (where?.in.length === 1) return (await rowsWhereOne(table, where.column)(this.k as Kysely<Database>, where.in[0]!)).map((r) => toResource(r as Row));
    const rows = await rowsQuery(this.k, table, where).execute();
    return rows.map((r) => toResource(r as Row));
  }

  async get(table: ResourceTable, id: string): Promise<Resource | undefined> {
    const row = await this.from(table).where('id', '=', id).executeTakeFirst();
    return row ? toResource(row as Row) : undefined;
  }

  /**
   * Holds the row until the transaction ends (PostgreSQL row lock through a
   * no-op update; SQLite runs one write transaction at a time anyway), so
   * checks made under it — no overlapping subnet, no port on a network
   * being deleted — stay true until commit.
   */
  async lock(table: ResourceTable, id: string): Promise<void> {
    await (this.k as unknown as Kysely<Record<string, Row>>)
      .updateTable(table)
      .set((eb) => ({ revision_number: eb.ref('revision_number') }) as never)
      .where('id', '=', id)
      .execute();
  }

  async insert(table: ResourceTable, r: Resource): Promise<void> {
    await (this.k as unknown as Kysely<Record<string, Row>>).insertInto(table).values(toRow(table, r) as Row).execute();
  }

  /** Writes `r` over the row if its revision is still `r.revision_number - 1`; false when another write came first. */
  async replace(table: ResourceTable, r: Resource): Promise<boolean> {
    const res = await (this.k as unknown as Kysely<Record<string, Row>>)
      .updateTable(table)
      .set(toRow(table, r) as Row)
      .where('id', '=', r.id)
      .where('revision_number', '=', r.revision_number - 1)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async remove(table: ResourceTable, id: string): Promise<boolean> {
    const res = await (this.k as unknown as Kysely<Record<string, Row>>).deleteFrom(table).where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async removeWhere(table: ResourceTable, column: string, value: string): Promise<void> {
    await (this.k as unknown as Kysely<Record<string, Row>>).deleteFrom(table).where(column, '=', value).execute();
  }

  async allocations(where: { subnetId?: string; networkId?: string; portIds?: readonly string[] }): Promise<IpAllocation[]> {
    let q = this.k.selectFrom('network_ip_allocations').selectAll();
    if (where.subnetId !== undefined) q = q.where('subnet_id', '=', where.subnetId);
    if (where.networkId !== undefined) q = q.where('network_id', '=', where.networkId);
    if (where.portIds !== undefined) {
      if (where.portIds.length === 0) return [];
      q = q.where('port_id', 'in', where.portIds as string[]);
    }
    return q.execute();
  }

  /** Holds an address; the primary key refuses one already held on the network. */
  async allocate(a: IpAllocation): Promise<void> {
    await this.k.insertInto('network_ip_allocations').values(a).execute();
  }

  async releasePort(portId: string): Promise<void> {
    await this.k.deleteFrom('network_ip_allocations').where('port_id', '=', portId).execute();
  }

  async defaultSecurityGroup(projectId: string): Promise<string | undefined> {
    const row = await this.k.selectFrom('network_default_security_groups').select('security_group_id').where('project_id', '=', projectId).executeTakeFirst();
    return row?.security_group_id;
  }

  /** Records the project's default group; false when one is recorded already. */
  async claimDefaultSecurityGroup(projectId: string, groupId: string): Promise<boolean> {
    const res = await this.k
      .insertInto('network_default_security_groups')
      .values({ project_id: projectId, security_group_id: groupId })
      .onConflict((oc) => oc.column('project_id').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async forgetDefaultSecurityGroup(groupId: string): Promise<void> {
    await this.k.deleteFrom('network_default_security_groups').where('security_group_id', '=', groupId).execute();
  }

  /** Records the IP version's default subnet pool; false when another is recorded already. */
  async claimDefaultSubnetPool(ipVersion: number, poolId: string): Promise<boolean> {
    const res = await this.k
      .insertInto('network_default_subnetpools')
      .values({ ip_version: ipVersion, subnetpool_id: poolId })
      .onConflict((oc) => oc.column('ip_version').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async forgetDefaultSubnetPool(poolId: string): Promise<void> {
    await this.k.deleteFrom('network_default_subnetpools').where('subnetpool_id', '=', poolId).execute();
  }

  /** The project's own limits, by resource. */
  async quotaLimits(projectId: string): Promise<Map<string, number>> {
    const rows = await this.k.selectFrom('network_quotas').selectAll().where('project_id', '=', projectId).execute();
    return new Map(rows.map((r) => [r.resource, Number(r.hard_limit)]));
  }

  /** Projects with limits of their own. */
  async quotaProjects(): Promise<string[]> {
    const rows = await this.k.selectFrom('network_quotas').select('project_id').distinct().orderBy('project_id').execute();
    return rows.map((r) => r.project_id);
  }

  async setQuotaLimit(projectId: string, resource: string, limit: number): Promise<void> {
    await this.k
      .insertInto('network_quotas')
      .values({ project_id: projectId, resource, hard_limit: limit })
      .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit: limit }))
      .execute();
  }

  async clearQuotaLimits(projectId: string): Promise<void> {
    await this.k.deleteFrom('network_quotas').where('project_id', '=', projectId).execute();
  }

  async autoAllocatedTopology(projectId: string): Promise<{ network_id: string; router_id: string } | undefined> {
    return this.k.selectFrom('network_auto_allocated_topologies').select(['network_id', 'router_id']).where('project_id', '=', projectId).executeTakeFirst();
  }

  /** Records the project's topology; false when one is recorded already. */
  async claimAutoAllocatedTopology(projectId: string, networkId: string, routerId: string): Promise<boolean> {
    const res = await this.k
      .insertInto('network_auto_allocated_topologies')
      .values({ project_id: projectId, network_id: networkId, router_id: routerId })
      .onConflict((oc) => oc.column('project_id').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async forgetAutoAllocatedTopology(projectId: string): Promise<void> {
    await this.k.deleteFrom('network_auto_allocated_topologies').where('project_id', '=', projectId).execute();
  }
}
