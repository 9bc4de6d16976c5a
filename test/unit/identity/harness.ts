// Starts the identity app on a free port with a fresh store and signer, and
// its revocations in an in-memory SQLite database (or in one shared with
// another harness, as two API processes share theirs).
import type { FastifyInstance } from 'fastify';
import { buildIdentityApp } from '../../../src/identity/app.js';
import { catalogEntry, type CatalogEntry } from '../../../src/identity/catalog.js';
import { TokenSigner } from '../../../src/identity/tokens.js';
import { TokenRevocations } from '../../../src/identity/revocations.js';
import { openDb, type Db } from '../../../src/db/connect.js';
import { IdentityStore } from '../../../src/identity/store.js';
import { ManualClock } from '../../../src/compute/clock.js';

export interface IdentityHarness {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly store: IdentityStore;
  readonly signer: TokenSigner;
  readonly revocations: TokenRevocations;
  readonly db: Db;
  readonly clock: ManualClock;
  readonly catalog: CatalogEntry[];
  close(): Promise<void>;
}

export interface SharedState {
  readonly db: Db;
  readonly clock: ManualClock;
}

export async function startIdentity(given?: IdentityStore, ttlSeconds = 3600, shared?: SharedState): Promise<IdentityHarness> {
  const clock = shared?.clock ?? new ManualClock();
  const db = shared?.db ?? (await openDb('sqlite:///:memory:', '.'));
  const store = given ?? new IdentityStore(undefined, db, clock);
  const signer = new TokenSigner('test-secret', { ttlSeconds, clock });
  const revocations = new TokenRevocations(db, { clock });
  const catalog = [catalogEntry('compute', 'nova', 'http://127.0.0.1:8774/v2.1', 'RegionOne')];
  const app = buildIdentityApp({ store, signer, revocations, catalog: () => catalog });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    app,
    store,
    signer,
    revocations,
    db,
    clock,
    catalog,
    close: async () => {
      await app.close();
      if (!shared) await db.close();
    },
  };
}

export function passwordAuth(user: Record<string, unknown>, scope?: unknown): Record<string, unknown> {
  return {
    auth: {
      identity: { methods: ['password'], password: { user } },
      ...(scope !== undefined ? { scope } : {}),
    },
  };
}

export async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** Issues a token over HTTP for a default-domain user by name, scoped to its default project. */
export async function login(url: string, name: string, password = name): Promise<string> {
  const res = await post(`${url}/v3/auth/tokens`, passwordAuth({ name, domain: { id: 'default' }, password }));
  if (res.status !== 201) throw new Error(`login ${name}: ${res.status}`);
  return res.headers.get('x-subject-token') ?? '';
}
