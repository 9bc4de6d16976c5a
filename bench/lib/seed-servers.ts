// Servers written straight into a stopped cloud's SQLite file, for reads at
// sizes the API could not create in a benchmark's time (it creates about a
// hundred a second). Every row is a copy of the rows the API wrote for a
// reference server it created (and, for migrated ones, for a reference server
// it live-migrated), with only what differs between two servers changed:
// uuid, name, hostname, reservation, host and node, times. The same goes for
// the fake hosts' guest tables, so the agents find the guests of the servers
// they hold at start-up, as after a restart. Run only while no process has
// the file open.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readGuestTable, writeStoredHost, type StoredGuest } from '../../src/virt/fake/state-file.js';
import { fakeStateFileName } from '../../src/virt/create.js';
import { writeFileSync } from 'node:fs';

export interface SeedReferences {
  /** A server the API created and left ACTIVE. */
  readonly server: string;
  /** A server the API created and then live-migrated (its migration completed). */
  readonly migrated: string;
}

export interface SeedPlan {
  /** The data directory of the stopped `magnetar serve` (SQLite file and fake host tables). */
  readonly dataDir: string;
  readonly refs: SeedReferences;
  /** Seeded servers numbered [from, to): server i is named `srv-<i>`. */
  readonly from: number;
  readonly to: number;
  /** Server i was created at `newest` − i seconds (so added servers are older than those seeded before). */
  readonly newest: Date;
  /** The hosts, round robin. */
  readonly hosts: readonly string[];
  /** Every n-th seeded server also has a completed live migration (10 → 10 %). */
  readonly migratedEvery: number;
}

type Row = Record<string, unknown>;

const dbTime = (d: Date): string => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}000`;

function insertStatement(db: Database.Database, table: string, sample: Row): { run(row: Row): Database.RunResult } {
  const cols = Object.keys(sample).filter((c) => c !== 'id');
  const stmt = db.prepare(`INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
  return { run: (row) => stmt.run(Object.fromEntries(cols.map((c) => [c, row[c] ?? null]))) };
}

/** Seeds servers [from, to) and returns their uuids, in number order. */
export async function seedServers(plan: SeedPlan): Promise<string[]> {
  const tables = new Map<string, StoredGuest[]>();
  for (const host of plan.hosts) {
    const t = await readGuestTable(join(plan.dataDir, fakeStateFileName(host)), host);
    if (t) tables.set(host, [...t.guests]);
  }
  const db = new Database(join(plan.dataDir, 'magnetar.sqlite'));
  const uuids: string[] = [];
  try {
    db.pragma('journal_mode = WAL');
    const one = (sql: string, ...args: unknown[]): Row => {
      const r = db.prepare(sql).get(...args) as Row | undefined;
      if (!r) throw new Error(`seed: nothing for ${sql} ${JSON.stringify(args)}`);
      return r;
    };
    const all = (sql: string, ...args: unknown[]): Row[] => db.prepare(sql).all(...args) as Row[];
    const inst = one('SELECT * FROM instances WHERE uuid = ?', plan.refs.server);
    const allocs = all('SELECT * FROM allocations WHERE consumer_uuid = ?', plan.refs.server);
    const actions = all('SELECT * FROM instance_actions WHERE instance_uuid = ? ORDER BY id', plan.refs.server);
    const eventsOf = (actionId: unknown): Row[] => all('SELECT * FROM instance_actions_events WHERE action_id = ? ORDER BY id', actionId);
    const cache = db.prepare('SELECT * FROM instance_info_caches WHERE instance_uuid = ?').get(plan.refs.server) as Row | undefined;
    const mig = one("SELECT * FROM migrations WHERE instance_uuid = ? AND migration_type = 'live-migration' ORDER BY id DESC LIMIT 1", plan.refs.migrated);
    const migAction = one("SELECT * FROM instance_actions WHERE instance_uuid = ? AND action = 'live-migration' ORDER BY id DESC LIMIT 1", plan.refs.migrated);
    const nodeUuid = new Map(all('SELECT host, uuid FROM compute_nodes WHERE deleted = 0').map((r) => [String(r['host']), String(r['uuid'])]));
    if (inst['host'] !== inst['node']) throw new Error(`seed: the reference server's node ${String(inst['node'])} is not its host ${String(inst['host'])}`);

    const putInstance = insertStatement(db, 'instances', inst);
    const putAlloc = allocs[0] ? insertStatement(db, 'allocations', allocs[0]) : null;
    const putAction = insertStatement(db, 'instance_actions', actions[0] ?? migAction);
    const putCache = cache ? insertStatement(db, 'instance_info_caches', cache) : null;
    const putMig = insertStatement(db, 'migrations', mig);
    const migEvents = eventsOf(migAction['id']);
    const createEvents = new Map(actions.map((a) => [a['id'], eventsOf(a['id'])]));
    const anEvent = [...createEvents.values()].flat()[0] ?? migEvents[0];
    const putEvent = anEvent ? insertStatement(db, 'instance_actions_events', anEvent) : null;

    // Guest tables: one read of each host's table, the seeded guests added, one write.
    const refHost = String(inst['host']);
    const refGuest = (tables.get(refHost) ?? []).find((g) => g.spec.uuid === plan.refs.server);
    if (!refGuest) throw new Error(`seed: the reference server's guest is not in ${refHost}'s guest table`);
    const guests = new Map<string, StoredGuest[]>();

    const shift = (s: unknown, delta: number): string | null => (typeof s === 'string' ? dbTime(new Date(Date.parse(`${s.slice(0, 10)}T${s.slice(11, 23)}Z`) + delta)) : null);
    const refCreated = Date.parse(`${String(inst['created_at']).slice(0, 10)}T${String(inst['created_at']).slice(11, 23)}Z`);

    db.transaction(() => {
      for (let i = plan.from; i < plan.to; i++) {
        const uuid = randomUUID();
        uuids.push(uuid);
        const name = `srv-${i}`;
        const host = plan.hosts[i % plan.hosts.length]!;
        const node = nodeUuid.get(host);
        if (!node) throw new Error(`seed: no compute node for ${host}`);
        // Every time of the reference moves by the same amount: the server was created, launched and updated alike.
        const delta = plan.newest.getTime() - i * 1000 - refCreated;
        putInstance.run({
          ...inst,
          uuid,
          display_name: name,
          hostname: name,
          reservation_id: `r-${randomUUID().replace(/-/g, '').slice(0, 8)}`,
          host,
          node: host,
          created_at: shift(inst['created_at'], delta),
          updated_at: shift(inst['updated_at'], delta),
          launched_at: shift(inst['launched_at'], delta),
        });
        for (const a of allocs) putAlloc!.run({ ...a, consumer_uuid: uuid, node_uuid: node, created_at: shift(a['created_at'], delta) });
        for (const a of actions) {
          const r = putAction.run({ ...a, instance_uuid: uuid, request_id: `req-${randomUUID()}`, start_time: shift(a['start_time'], delta), finish_time: shift(a['finish_time'], delta), created_at: shift(a['created_at'], delta), updated_at: shift(a['updated_at'], delta) });
          for (const e of createEvents.get(a['id']) ?? [])
            putEvent?.run({ ...e, action_id: r.lastInsertRowid, host: e['host'] === null ? null : host, start_time: shift(e['start_time'], delta), finish_time: shift(e['finish_time'], delta), created_at: shift(e['created_at'], delta), updated_at: shift(e['updated_at'], delta) });
        }
        if (cache) putCache!.run({ ...cache, instance_uuid: uuid, updated_at: shift(cache['updated_at'], delta) });
        if (plan.migratedEvery > 0 && i % plan.migratedEvery === 0) {
          // Arrived here from the previous host half a second after it was created.
          const source = plan.hosts[(i + plan.hosts.length - 1) % plan.hosts.length]!;
          const migDelta = plan.newest.getTime() - i * 1000 + 500 - Date.parse(`${String(mig['created_at']).slice(0, 10)}T${String(mig['created_at']).slice(11, 23)}Z`);
          putMig.run({ ...mig, uuid: randomUUID(), instance_uuid: uuid, source_compute: source, source_node: source, dest_compute: host, dest_node: host, created_at: shift(mig['created_at'], migDelta), updated_at: shift(mig['updated_at'], migDelta) });
          const r = putAction.run({ ...migAction, instance_uuid: uuid, request_id: `req-${randomUUID()}`, start_time: shift(migAction['start_time'], migDelta), finish_time: shift(migAction['finish_time'], migDelta), created_at: shift(migAction['created_at'], migDelta), updated_at: shift(migAction['updated_at'], migDelta) });
          for (const e of migEvents)
            putEvent?.run({ ...e, action_id: r.lastInsertRowid, host: e['host'] === null ? null : source, start_time: shift(e['start_time'], migDelta), finish_time: shift(e['finish_time'], migDelta), created_at: shift(e['created_at'], migDelta), updated_at: shift(e['updated_at'], migDelta) });
        }
        const list = guests.get(host) ?? [];
        list.push({ ...refGuest, spec: { ...refGuest.spec, uuid, name } });
        guests.set(host, list);
      }
    })();
    for (const [host, added] of guests) {
      const path = join(plan.dataDir, fakeStateFileName(host));
      const have = tables.get(host) ?? [];
      writeStoredHost(path, { version: 1, host, guests: [...have, ...added] });
      // The journal's changes are in the table now.
      writeFileSync(`${path}.journal`, '');
    }
  } finally {
    db.close();
  }
  return uuids;
}
