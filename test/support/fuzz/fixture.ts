// The world the fuzzer plays in: servers of several owners and states (one
// waiting for resize confirmation, one stopped, one in error, one deleted),
// keypairs, a private flavor with extra specs, migrations, services,
// hypervisors, instance actions and a host aggregate; tokens of every kind; and the real ids of
// all of it, for the fuzzer to put in paths, queries and bodies.
import { ManualClock } from '../../../src/compute/clock.js';
import { TokenSigner, loadTokenSecret } from '../../../src/identity/tokens.js';
import type { Cloud } from '../cloud.js';

export type TokenKind = 'admin' | 'member' | 'reader' | 'manager' | 'other' | 'none' | 'garbage' | 'expired' | 'tampered';

export interface FuzzFixture {
  readonly imageId: string;
  readonly servers: readonly string[];
  readonly migrations: readonly string[];
  readonly flavors: readonly string[];
  readonly keypairs: readonly string[];
  readonly services: readonly string[];
  readonly hypervisors: readonly string[];
  readonly requestIds: readonly string[];
  readonly extraSpecKeys: readonly string[];
  readonly aggregates: readonly string[];
  readonly projects: readonly string[];
  readonly users: readonly string[];
  readonly hosts: readonly string[];
  /** The token of each kind (null: none sent) and the project it is scoped to. */
  readonly tokens: Readonly<Record<TokenKind, { readonly token: string | null; readonly projectId: string | null }>>;
}

const USER_OF: Readonly<Partial<Record<TokenKind, string>>> = {
  admin: 'admin',
  member: 'demo',
  reader: 'demo_reader',
  manager: 'demo_manager',
  other: 'alt_demo',
};

export async function buildFixture(c: Cloud): Promise<FuzzFixture> {
  const ok = (r: { status: number; text: string }, what: string, ...want: number[]): void => {
    if (!want.includes(r.status)) throw new Error(`fixture: ${what} answered ${r.status} ${r.text}`);
  };
  const [demo1, demo2, alt, admin, resized, errored, deleted] = await Promise.all([
    c.bootServer('demo'),
    c.bootServer('demo'),
    c.bootServer('alt_demo'),
    c.bootServer('admin'),
    c.bootServer('demo'),
    c.bootServer('demo'),
    c.bootServer('demo'),
  ]);
  ok(await c.req('demo', 'POST', `/servers/${demo2.id}/action`, { body: { 'os-stop': null } }), 'stop', 202);
  ok(await c.req('admin', 'POST', `/servers/${resized.id}/action`, { body: { resize: { flavorRef: '2' } } }), 'resize', 202);
  ok(await c.req('admin', 'POST', `/servers/${errored.id}/action`, { body: { 'os-resetState': { state: 'error' } } }), 'reset', 202);
  ok(await c.req('demo', 'DELETE', `/servers/${deleted.id}`), 'delete', 204);
  await c.waitServer(demo2.id, (s) => s.status === 'SHUTOFF');
  await c.waitServer(resized.id, (s) => s.status === 'VERIFY_RESIZE');
  await c.waitServer(deleted.id, (s) => s.gone === true);

  ok(await c.req('demo', 'POST', '/os-keypairs', { body: { keypair: { name: 'demo-key' } } }), 'keypair', 200);
  ok(await c.req('admin', 'POST', '/os-keypairs', { body: { keypair: { name: 'admin-key' } } }), 'keypair', 200);
  const flavor = await c.req('admin', 'POST', '/flavors', {
    body: { flavor: { name: 'fuzz-private', ram: 128, vcpus: 1, disk: 1, id: 'fuzz-private', 'os-flavor-access:is_public': false } },
  });
  ok(flavor, 'flavor', 200);
  const demoProject = await c.projectId('demo');
  ok(await c.req('admin', 'POST', '/flavors/fuzz-private/action', { body: { addTenantAccess: { tenant: demoProject } } }), 'flavor access', 200);
  ok(await c.req('admin', 'POST', '/flavors/fuzz-private/os-extra_specs', { body: { extra_specs: { 'hw:cpu_policy': 'shared' } } }), 'extra specs', 200);

  const aggregate = await c.req('admin', 'POST', '/os-aggregates', { body: { aggregate: { name: 'fuzz-aggregate' } } });
  ok(aggregate, 'aggregate', 200);
  const aggregateId: number = aggregate.body.aggregate.id;
  ok(await c.req('admin', 'POST', `/os-aggregates/${aggregateId}/action`, { body: { add_host: { host: 'compute1' } } }), 'aggregate host', 200);
  ok(await c.req('admin', 'POST', `/os-aggregates/${aggregateId}/action`, { body: { set_metadata: { metadata: { ssd: 'true' } } } }), 'aggregate metadata', 200);

  const migrations = (await c.req('admin', 'GET', '/os-migrations', { version: '2.23' })).body.migrations as Array<{ id: number }>;
  const services53 = (await c.req('admin', 'GET', '/os-services', { version: '2.53' })).body.services as Array<{ id: string; host: string }>;
  const services21 = (await c.req('admin', 'GET', '/os-services')).body.services as Array<{ id: number }>;
  const hyp53 = (await c.req('admin', 'GET', '/os-hypervisors', { version: '2.53' })).body.hypervisors as Array<{ id: string; hypervisor_hostname: string }>;
  const hyp21 = (await c.req('admin', 'GET', '/os-hypervisors')).body.hypervisors as Array<{ id: number }>;
  const requestIds: string[] = [];
  for (const s of [demo1, resized]) {
    const actions = (await c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions`)).body.instanceActions as Array<{ request_id: string }>;
    requestIds.push(...actions.map((a) => a.request_id));
  }
  const images = (await (await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': await c.token('admin') } })).json()) as {
    images: Array<{ id: string }>;
  };

  const tokens = {} as Record<TokenKind, { token: string | null; projectId: string | null }>;
  for (const [kind, user] of Object.entries(USER_OF) as Array<[TokenKind, string]>) {
    tokens[kind] = { token: await c.token(user), projectId: await c.projectId(user) };
  }
  // Signed with the cloud's own secret two hours ago: well formed, expired.
  const past = new TokenSigner(loadTokenSecret(c.aio.base.conf), { ttlSeconds: 3600, clock: new ManualClock(Date.now() - 7200_000) });
  const adminUserToken = tokens.admin.token!;
  tokens.expired = { token: past.issue({ userId: 'u', projectId: tokens.admin.projectId!, roles: ['admin'] }).token, projectId: tokens.admin.projectId };
  tokens.tampered = { token: `${adminUserToken.slice(0, 10)}${adminUserToken[10] === 'A' ? 'B' : 'A'}${adminUserToken.slice(11)}`, projectId: tokens.admin.projectId };
  tokens.garbage = { token: 'garbage-token', projectId: null };
  tokens.none = { token: null, projectId: null };

  const userIds: string[] = [];
  for (const u of ['admin', 'demo', 'alt_demo']) {
    const r = await fetch(`${c.identityUrl}/v3/auth/tokens`, { headers: { 'X-Auth-Token': await c.token(u), 'X-Subject-Token': await c.token(u) } });
    userIds.push(((await r.json()) as { token: { user: { id: string } } }).token.user.id);
  }

  return {
    imageId: images.images[0]!.id,
    servers: [demo1.id, demo2.id, alt.id, admin.id, resized.id, errored.id, deleted.id],
    migrations: migrations.map((m) => String(m.id)),
    flavors: ['1', '2', 'fuzz-private'],
    keypairs: ['demo-key', 'admin-key'],
    services: [...services53.map((s) => s.id), ...services21.map((s) => String(s.id)), 'disable', 'enable', 'force-down', 'disable-log-reason'],
    hypervisors: [...hyp53.map((h) => h.id), ...hyp21.map((h) => String(h.id)), ...hyp53.map((h) => h.hypervisor_hostname)],
    requestIds,
    extraSpecKeys: ['hw:cpu_policy'],
    aggregates: [String(aggregateId)],
    projects: [tokens.admin.projectId!, tokens.member.projectId!, tokens.other.projectId!],
    users: userIds,
    hosts: [...new Set(services53.map((s) => s.host))].filter((h) => h.startsWith('compute')),
    tokens,
  };
}
