// GET /servers paging done by the database: a small page, walked one server at
// a time, must give exactly the order and links of the full in-memory listing
// (a regex name filter that matches everything keeps the in-memory path).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

let c: Cloud;
const V = '2.75';
const ids = (r: any): string[] => r.body.servers.map((s: any) => s.id);

async function boot(count: number, extra: Record<string, unknown>, imageId: string): Promise<string[]> {
  const r = await c.req('demo', 'POST', '/servers', {
    version: '2.37',
    body: { server: { name: 'pg', flavorRef: '1', imageRef: imageId, networks: 'none', min_count: count, max_count: count, ...extra } },
  });
  assert.equal(r.status, 202, r.text);
  const list = await c.req('demo', 'GET', '/servers?limit=1000');
  return ids(list);
}

/**
 * Every id of a listing in pages of `limit`, each request being the full query
 * plus the last id as marker (next links keep one value per parameter, so they
 * cannot carry two sort keys).
 */
async function walk(query: string, limit: number): Promise<string[]> {
  const out: string[] = [];
  let marker: string | undefined;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 100, 'paging does not end');
    const r = await c.req('demo', 'GET', `/servers/detail?${query}${query ? '&' : ''}limit=${limit}${marker ? `&marker=${marker}` : ''}`, { version: V });
    assert.equal(r.status, 200, r.text);
    out.push(...ids(r));
    if (r.body.servers.length < limit) {
      assert.equal('servers_links' in r.body, false);
      return out;
    }
    marker = ids(r)[limit - 1];
    assert.equal(r.body.servers_links.length, 1);
    assert.match(r.body.servers_links[0].href, new RegExp(`[?&]marker=${marker}(&|$)`));
  }
}

before(async () => {
  c = await startCloud();
  const first = await c.bootServer('demo', { name: 'solo' });
  const imageId = first.image.id;
  await boot(4, { name: 'batch-a', accessIPv4: '10.0.0.9' }, imageId);
  await boot(4, { name: 'batch-b' }, imageId);
  const all = await boot(3, { name: 'batch-c', accessIPv4: '10.0.0.1' }, imageId);
  for (const id of all) await c.waitServer(id, (s) => s.status === 'ACTIVE');
  // Some servers locked (locked_by set), one stopped: NULLs and two statuses.
  for (const id of all.slice(2, 5)) assert.equal((await c.req('demo', 'POST', `/servers/${id}/action`, { body: { lock: null } })).status, 202);
  assert.equal((await c.req('demo', 'POST', `/servers/${all[1]}/action`, { body: { 'os-stop': null } })).status, 202);
  await c.waitServer(all[1]!, (s) => s.status === 'SHUTOFF');
});
after(async () => {
  await c.stop();
});

const ORDERS = [
  '',
  'sort_key=display_name&sort_dir=asc',
  'sort_key=access_ip_v4&sort_dir=asc',
  'sort_key=access_ip_v4&sort_dir=desc',
  'sort_key=locked&sort_dir=asc&sort_key=display_name&sort_dir=desc',
  'sort_key=locked&sort_dir=desc',
  'sort_key=access_ip_v4&sort_key=created_at&sort_dir=asc',
  'status=ACTIVE',
  'status=SHUTOFF&sort_key=access_ip_v4',
  'sort_key=created_at&sort_dir=asc',
  'sort_key=task_state&sort_dir=desc&sort_key=uuid&sort_dir=asc',
];

describe('database paging matches the full listing', () => {
  for (const q of ORDERS) {
    it(`pages of 1 and 3 give the full order: ${q || 'default order'}`, async () => {
      const inMemory = await c.req('demo', 'GET', `/servers/detail?${q}${q ? '&' : ''}name=.&limit=1000`, { version: V });
      assert.equal(inMemory.status, 200, inMemory.text);
      const expected = ids(inMemory);
      assert.ok(expected.length >= (q.startsWith('status=SHUTOFF') ? 1 : 11), `only ${expected.length} servers`);
      const full = await c.req('demo', 'GET', `/servers/detail?${q}${q ? '&' : ''}limit=1000`, { version: V });
      assert.deepEqual(ids(full), expected);
      for (const size of [1, 3]) {
        assert.deepEqual(await walk(q, size), expected, `pages of ${size}`);
      }
    });
  }

  it('a page of 1 carries the next link with the same query, the limit and the last id', async () => {
    const r = await c.req('demo', 'GET', '/servers?status=ACTIVE&sort_key=display_name&sort_dir=asc&limit=1', { version: V });
    assert.equal(r.status, 200);
    const mem = await c.req('demo', 'GET', '/servers?status=ACTIVE&sort_key=display_name&sort_dir=asc&name=.', { version: V });
    assert.deepEqual(ids(r), ids(mem).slice(0, 1));
    const id = ids(r)[0];
    assert.deepEqual(r.body.servers_links, [
      { rel: 'next', href: `${c.computeUrl}/v2.1/servers?limit=1&marker=${id}&sort_dir=asc&sort_key=display_name&status=ACTIVE` },
    ]);
  });

  it('an unknown marker is still a 400', async () => {
    const r = await c.req('demo', 'GET', '/servers/detail?limit=1&marker=00000000-0000-0000-0000-000000000000', { version: V });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'marker [00000000-0000-0000-0000-000000000000] not found');
  });
});
