// Conflicting requests on one server at once, round after round: cold
// migrate, resize, live migrate, os-resetState, delete, evacuate (with the
// host down) and confirm/revert, twenty in parallel. At most one move runs at
// a time (never two open migration records, never more than one move's
// allocations), every losing request gets its documented code, and every
// round settles: no task, migrations final, allocations exactly the server's
// flavor on its host (plus the source of an unconfirmed resize), or nothing
// once it is deleted. (cold-migration.test.ts and live-migration.test.ts
// check the single-kind races and their messages.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply } from '../support/cloud.js';
import { act } from '../support/actions.js';
import { setForcedDown } from '../support/db.js';
import { sleep, until } from '../support/wait.js';
import { UNFINISHED_STATUSES } from '../../src/db/migrations-repo.js';

const ROUNDS_PER_KIND = 6;
const PARALLEL = 20;
const HOST = 'OS-EXT-SRV-ATTR:host';

type Kind = 'migrate' | 'resize' | 'live' | 'reset' | 'delete' | 'evacuate' | 'confirm' | 'revert';

/** The request of each kind, its success codes and the codes it may lose with (404 once the server is deleted). */
const REQUESTS: Readonly<Record<Kind, { readonly win: readonly number[]; readonly lose: readonly number[] }>> = {
  migrate: { win: [202], lose: [409] },
  resize: { win: [202], lose: [409] },
  live: { win: [202], lose: [409] },
  reset: { win: [202], lose: [] },
  delete: { win: [204], lose: [409] },
  // 400 "Compute service of <host> is still in use." while the host is up.
  evacuate: { win: [200], lose: [400, 409] },
  // 400 "Instance has not been resized." when no finished migration is left.
  confirm: { win: [204], lose: [400, 409] },
  revert: { win: [202], lose: [400, 409] },
};

function send(c: Cloud, kind: Kind, id: string): Promise<Reply> {
  switch (kind) {
    case 'migrate':
      return act(c, 'admin', id, { migrate: null }, '2.56');
    case 'resize':
      return act(c, 'admin', id, { resize: { flavorRef: '2' } });
    case 'live':
      return act(c, 'admin', id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.60');
    case 'reset':
      return act(c, 'admin', id, { 'os-resetState': { state: 'active' } });
    case 'delete':
      return c.req('demo', 'DELETE', `/servers/${id}`);
    case 'evacuate':
      return act(c, 'admin', id, { evacuate: {} }, '2.29');
    case 'confirm':
      return act(c, 'admin', id, { confirmResize: null });
    case 'revert':
      return act(c, 'admin', id, { revertResize: null });
  }
}

const describeMigration = (m: { migration_type: string; status: string; source_compute: string | null; dest_compute: string | null }): string =>
  `${m.migration_type}:${m.status}:${m.source_compute}->${m.dest_compute}`;

/** Migration statuses that hold a move open: under way, or finished and awaiting confirm/revert. */
const OPEN = new Set([...UNFINISHED_STATUSES, 'finished']);

describe('conflicting requests on one server, round after round', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  const db = () => c.aio.base.db.kysely;
  const migrationsOf = (id: string) => db().selectFrom('migrations').selectAll().where('instance_uuid', '=', id).orderBy('id').execute();
  const allocationsOf = (consumers: readonly string[]) =>
    consumers.length === 0
      ? Promise.resolve([])
      : db()
          .selectFrom('allocations')
          .innerJoin('compute_nodes', 'compute_nodes.uuid', 'allocations.node_uuid')
          .select(['allocations.consumer_uuid', 'compute_nodes.host', 'allocations.memory_mb'])
          .where('allocations.consumer_uuid', 'in', [...consumers])
          .execute();

  /** Watches the server's records while a round runs; returns what it saw wrong. */
  function watch(id: string): { stop: () => Promise<string[]> } {
    const seen: string[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const ms = await migrationsOf(id);
        const open = ms.filter((m) => OPEN.has(m.status));
        if (open.length > 1) seen.push(`two open moves: ${open.map((m) => `${m.migration_type}:${m.status}`).join(', ')}`);
        // A done evacuation's old host stays held until that host cleans up: not part of a running move.
        const held = await allocationsOf([id, ...open.map((m) => m.uuid)]);
        const movers = new Set(held.filter((a) => a.consumer_uuid !== id).map((a) => a.consumer_uuid));
        if (held.length > 2 || movers.size > 1)
          seen.push(
            `more than one move's allocations: ${held.map((a) => `${a.consumer_uuid === id ? 'server' : 'migration'}@${a.host}:${a.memory_mb}`).join(', ')} ` +
              `(migrations ${ms.map(describeMigration).join(', ')})`,
          );
        await sleep(5);
      }
    })();
    return {
      /** Stops watching (again is harmless) and tells what was seen wrong. */
      stop: async () => {
        running = false;
        await loop;
        return [...new Set(seen)];
      },
    };
  }

  type Settled = { server: any | null; migrations: Awaited<ReturnType<typeof migrationsOf>> };
  const describeState = ({ server, migrations }: Settled): string =>
    `server ${server ? `${server.status}/${server['OS-EXT-STS:vm_state']}/${server['OS-EXT-STS:task_state']} on ${server[HOST]}` : 'deleted'}; ` +
    `migrations ${migrations.map((m) => `${m.uuid.slice(0, 8)} ${describeMigration(m)}`).join(', ') || 'none'}`;

  /**
   * The server's stable state after a round: no task, no move under way and,
   * unless `evacuationsMayWait` (the old host is still down), no evacuation
   * waiting for its old host to clean up.
   */
  async function settled(id: string, evacuationsMayWait = false): Promise<Settled> {
    let last: Settled | undefined;
    try {
      return await until(
        `server ${id} and its migrations to settle`,
        async () => {
          const r = await c.req('admin', 'GET', `/servers/${id}`, { version: '2.47' });
          last = { server: r.status === 404 ? null : r.body.server, migrations: await migrationsOf(id) };
          return last;
        },
        ({ server, migrations }) =>
          (server === null || server['OS-EXT-STS:task_state'] === null) &&
          migrations.every((m) => !UNFINISHED_STATUSES.includes(m.status) && (evacuationsMayWait || m.status !== 'done')),
        8000,
      );
    } catch {
      throw new Error(`never settled: ${last ? describeState(last) : 'no state read'}`);
    }
  }

  /** Allocations must be exactly the server's flavor on its host (and an unconfirmed resize's source), or nothing once deleted. */
  async function allocationProblems(id: string): Promise<string[]> {
    // The server and its allocations are read apart, so a change that lands
    // between the reads (a host finishing a delete that a reset made look
    // settled: its task is gone, its terminate already under way) is read
    // again rather than taken for a mismatch.
    for (let attempt = 1; ; attempt++) {
      const state = await settled(id);
      const held = await allocationsOf([id, ...state.migrations.map((m) => m.uuid)]);
      const again = await settled(id);
      if (attempt < 20 && describeState(again) !== describeState(state)) continue;
      return allocationMismatch(id, state, held);
    }
  }

  async function allocationMismatch(id: string, state: Settled, held: Awaited<ReturnType<typeof allocationsOf>>): Promise<string[]> {
    const { server, migrations } = state;
    const show = held.map((a) => `${a.consumer_uuid === id ? 'server' : a.consumer_uuid.slice(0, 8)}@${a.host}:${a.memory_mb}`).sort();
    const want: string[] = [];
    const finished = migrations.filter((m) => m.status === 'finished');
    if (server !== null) {
      want.push(`server@${server[HOST]}:${server.flavor.ram}`);
      if (server.status === 'VERIFY_RESIZE' && finished.length === 1) {
        const old = await db().selectFrom('flavors').select('memory_mb').where('id', '=', finished[0]!.old_instance_type_id!).executeTakeFirstOrThrow();
        want.push(`${finished[0]!.uuid.slice(0, 8)}@${finished[0]!.source_compute}:${old.memory_mb}`);
      } else if (finished.length > 0) return [`${finished.length} finished migration(s) with the server ${server.status} (${describeState(state)})`];
    }
    want.sort();
    return JSON.stringify(show) === JSON.stringify(want) ? [] : [`allocations ${JSON.stringify(show)}, want ${JSON.stringify(want)} (${describeState(state)})`];
  }

  async function round(name: string, id: string, kinds: readonly Kind[], hostDown: string | null): Promise<void> {
    const watcher = watch(id);
    const problems: string[] = [];
    let label = name;
    try {
      const replies = await Promise.all(kinds.map((k) => send(c, k, id)));
      label = `${name} [${kinds.map((k, i) => `${k}=${replies[i]!.status}`).join(' ')}]`;
      const { server } = await settled(id, hostDown !== null);
      if (hostDown !== null) {
        // The failed host comes back: it cleans up after an evacuation, and its service is up again.
        await setForcedDown(c, hostDown, false);
        await c.aio.stopHost(hostDown);
        await c.aio.startHost(hostDown);
      }
      const deleted = server === null;
      kinds.forEach((k, i) => {
        const r = replies[i]!;
        const allowed = [...REQUESTS[k].win, ...REQUESTS[k].lose, ...(deleted ? [404] : [])];
        if (!allowed.includes(r.status)) problems.push(`${k} answered ${r.status} ${r.text}`);
      });
      problems.push(...(await allocationProblems(id)));
      problems.push(...(await watcher.stop()));
      if (!deleted) {
        // A reset that cleared an accepted delete's task takes the server back unless its host had
        // begun terminating it: the server may end either way, so the clean-up may find it gone.
        const deleteAccepted = kinds.some((k, i) => k === 'delete' && replies[i]!.status === 204);
        const cleanup = (await c.req('demo', 'DELETE', `/servers/${id}`)).status;
        assert.ok(cleanup === 204 || (deleteAccepted && cleanup === 404), `${label}: clean-up delete answered ${cleanup}`);
        await c.waitServer(id, (s) => s.gone === true);
      }
      problems.push(...(await allocationProblems(id)).map((p) => `after the delete: ${p}`));
    } finally {
      await watcher.stop();
    }
    assert.deepEqual(problems, [], label);
  }

  /** The kinds of the round's twenty requests, rotated each round. */
  const mix = (pool: readonly Kind[], n: number): Kind[] => Array.from({ length: PARALLEL }, (_, i) => pool[(i + n) % pool.length]!);

  const activeRounds = (extra: readonly Kind[]) => async (): Promise<void> => {
    for (let n = 0; n < ROUNDS_PER_KIND; n++) {
      const s = await c.bootServer('demo');
      // A delete among them every third round.
      const pool: Kind[] = ['migrate', 'resize', 'live', 'evacuate', 'confirm', 'revert', ...extra, ...(n % 3 === 2 ? (['delete'] as const) : [])];
      await round(`active round ${n}`, s.id, mix(pool, n), null);
    }
  };

  const resizedRounds = (extra: readonly Kind[]) => async (): Promise<void> => {
    for (let n = 0; n < ROUNDS_PER_KIND; n++) {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'admin', s.id, { migrate: null })).status, 202);
      await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE');
      await round(`resized round ${n}`, s.id, mix(['confirm', 'revert', 'migrate', 'resize', 'live', 'evacuate', ...extra], n), null);
    }
  };

  const hostDownRounds = (extra: readonly Kind[]) => async (): Promise<void> => {
    for (let n = 0; n < ROUNDS_PER_KIND; n++) {
      const s = await c.bootServer('demo');
      await setForcedDown(c, s[HOST], true);
      const pool: Kind[] = ['evacuate', 'evacuate', 'migrate', 'resize', 'live', 'confirm', 'revert', ...extra];
      await round(`host-down round ${n}`, s.id, mix(pool, n), s[HOST]);
    }
  };

  it(`${ROUNDS_PER_KIND} rounds on an active server`, activeRounds([]));
  it(`${ROUNDS_PER_KIND} rounds on a server waiting for resize confirmation`, resizedRounds([]));
  it(`${ROUNDS_PER_KIND} rounds on a server whose host is down`, hostDownRounds([]));

  // os-resetState clears task_state under a running move, so a second request
  // gets past the API's compare-and-swap: the move records stop it instead.
  it(`${ROUNDS_PER_KIND} rounds on an active server, with os-resetState among them`, activeRounds(['reset']));
  it(`${ROUNDS_PER_KIND} rounds on a server waiting for resize confirmation, with os-resetState among them`, resizedRounds(['reset']));
  it(`${ROUNDS_PER_KIND} rounds on a server whose host is down, with os-resetState among them`, hostDownRounds(['reset']));
  it(`${ROUNDS_PER_KIND} rounds on a server waiting for resize confirmation, with delete among them`, resizedRounds(['delete']));
});
