// The Glance v2 read-only subset over HTTP.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildImageApp } from '../../../src/image/app.js';
import { ImageCatalog, SEEDED_IMAGES, findImage } from '../../../src/image/catalog.js';
import { projectIdFor } from '../../../src/identity/users.js';
import type { AuthContext, TokenValidator } from '../../../src/identity/validator.js';

const GOOD = 'good-token';
const validator: TokenValidator = {
  async validate(token: string): Promise<AuthContext | null> {
    if (token !== GOOD) return null;
    return {
      userId: 'u', userName: 'demo', projectId: projectIdFor('demo'), projectName: 'demo', domainId: 'default',
      roles: ['member', 'reader'], expiresAt: new Date(Date.now() + 3600_000), tokenId: token,
    };
  },
};
const IDENTITY = 'http://127.0.0.1:5000/v3';
const cirros = SEEDED_IMAGES.find((i) => i.name === 'cirros');
const ubuntu = SEEDED_IMAGES.find((i) => i.name === 'ubuntu-24.04');

type ImageBody = Record<string, unknown> & { id: string; name: string };
type ListBody = { images: ImageBody[]; first: string; schema: string; next?: string };

describe('image API', () => {
  let app: FastifyInstance;
  let url: string;
  before(async () => {
    app = buildImageApp({ images: new ImageCatalog(), validator, identityUrl: IDENTITY });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => app.close());

  const get = (path: string, token: string | null = GOOD): Promise<Response> =>
    fetch(`${url}${path}`, { headers: token ? { 'X-Auth-Token': token } : {} });

  it('seeds cirros and ubuntu-24.04 with stable UUIDs owned by the admin project', () => {
    assert.ok(cirros && ubuntu);
    assert.match(cirros.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(cirros.owner, projectIdFor('admin'));
    assert.equal(findImage('cirros')?.id, cirros.id);
    assert.equal(findImage(ubuntu.id)?.name, 'ubuntu-24.04');
    assert.equal(findImage('nope'), undefined);
  });

  it('GET / answers 300 with Glance version documents, without a token', async () => {
    const res = await get('/', null);
    assert.equal(res.status, 300);
    const { versions } = (await res.json()) as { versions: { id: string; status: string; links: { rel: string; href: string }[] }[] };
    assert.equal(versions.find((v) => v.status === 'CURRENT')?.links[0]?.href, `${url}/v2/`);
    assert.ok(versions.every((v) => /^v2\.\d+$/.test(v.id)));
  });

  it('requires a valid X-Auth-Token: 401 with WWW-Authenticate otherwise', async () => {
    for (const token of [null, 'bad']) {
      for (const path of ['/v2/images', `/v2/images/${cirros?.id}`, '/v2/schemas/image']) {
        const res = await get(path, token);
        assert.equal(res.status, 401, path);
        assert.equal(res.headers.get('www-authenticate'), `Keystone uri="${IDENTITY}"`);
        assert.equal(((await res.json()) as { error: { code: number } }).error.code, 401);
      }
    }
  });

  it('lists images newest first with first and schema links', async () => {
    const res = await get('/v2/images');
    assert.equal(res.status, 200);
    const body = (await res.json()) as ListBody;
    assert.deepEqual(body.images.map((i) => i.name), ['ubuntu-24.04', 'cirros']);
    assert.equal(body.first, '/v2/images');
    assert.equal(body.schema, '/v2/schemas/images');
    assert.equal(body.next, undefined);
  });

  it('filters by name, status and visibility', async () => {
    const byName = (await (await get('/v2/images?name=cirros')).json()) as ListBody;
    assert.deepEqual(byName.images.map((i) => i.id), [cirros?.id]);
    const none = (await (await get('/v2/images?name=fedora')).json()) as ListBody;
    assert.deepEqual(none.images, []);
    const active = (await (await get('/v2/images?status=active&visibility=public')).json()) as ListBody;
    assert.equal(active.images.length, 2);
    const priv = (await (await get('/v2/images?visibility=private')).json()) as ListBody;
    assert.equal(priv.images.length, 0);
  });

  it('sorts and pages with limit and marker', async () => {
    const page1 = (await (await get('/v2/images?sort=name:asc&limit=1')).json()) as ListBody;
    assert.deepEqual(page1.images.map((i) => i.name), ['cirros']);
    assert.ok(page1.next);
    const page2 = (await (await get(page1.next)).json()) as ListBody;
    assert.deepEqual(page2.images.map((i) => i.name), ['ubuntu-24.04']);
    assert.equal(page2.next, undefined);
    const legacy = (await (await get('/v2/images?sort_key=name&sort_dir=desc')).json()) as ListBody;
    assert.deepEqual(legacy.images.map((i) => i.name), ['ubuntu-24.04', 'cirros']);
    assert.equal((await get('/v2/images?marker=nope')).status, 400);
    assert.equal((await get('/v2/images?limit=x')).status, 400);
    assert.equal((await get('/v2/images?sort=color:asc')).status, 400);
  });

  it('shows an image in Glance shape', async () => {
    const res = await get(`/v2/images/${cirros?.id}`);
    assert.equal(res.status, 200);
    const img = (await res.json()) as ImageBody;
    assert.equal(img.name, 'cirros');
    assert.equal(img.status, 'active');
    assert.equal(img.visibility, 'public');
    assert.equal(img.disk_format, 'qcow2');
    assert.equal(img.container_format, 'bare');
    assert.equal(img.min_disk, 0);
    assert.equal(img.min_ram, 0);
    assert.equal(typeof img.size, 'number');
    assert.match(String(img.checksum), /^[0-9a-f]{32}$/);
    assert.equal(img.owner, projectIdFor('admin'));
    assert.equal(img.self, `/v2/images/${cirros?.id}`);
    assert.equal(img.file, `/v2/images/${cirros?.id}/file`);
    assert.equal(img.schema, '/v2/schemas/image');
    assert.equal(img.os_distro, 'cirros');
    assert.equal('properties' in img, false);
  });

  it('answers 404 in Glance plain text for an unknown id or a name', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'cirros']) {
      const res = await get(`/v2/images/${id}`);
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(await res.text(), new RegExp(`^404 Not Found\\n\\nNo image found with ID ${id}`));
    }
  });

  it('serves the image schemas', async () => {
    const image = (await (await get('/v2/schemas/image')).json()) as { name: string; properties: Record<string, unknown> };
    assert.equal(image.name, 'image');
    assert.ok('id' in image.properties && 'disk_format' in image.properties);
    const images = (await (await get('/v2/schemas/images')).json()) as { name: string };
    assert.equal(images.name, 'images');
  });
});
