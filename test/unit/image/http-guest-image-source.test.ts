// The image source of a compute host without the image store: it signs in
// with the [glance] service credentials, finds the image endpoint in the
// catalog, and downloads an image's data once into its cache — checked
// against os_hash_value (or the md5 checksum), never left half-written.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../../src/config/config.js';
import { HttpGuestImageSource, ImageFetchError } from '../../../src/image/http-guest-image-source.js';

const DATA = Buffer.from('QFI\xfb a small disk image '.repeat(4000), 'latin1');
const ID = '11111111-2222-4333-8444-555555555555';
const EMPTY = '11111111-2222-4333-8444-000000000000';

interface Stub {
  tokens: number;
  downloads: number;
  /** Answer 401 to the next image request (a token the image service no longer takes). */
  refuseNext: boolean;
  /** Bytes the next download sends instead of the image's. */
  corrupt: Buffer | null;
  passwords: string[];
}

describe('HTTP guest image source', () => {
  let server: Server;
  let base = '';
  let dir: string;
  const stub: Stub = { tokens: 0, downloads: 0, refuseNext: false, corrupt: null, passwords: [] };

  const record = (id: string): Record<string, unknown> => ({
    id,
    name: id === ID ? 'tiny' : 'empty',
    status: 'active',
    disk_format: 'qcow2',
    container_format: 'bare',
    visibility: 'public',
    size: id === ID ? DATA.length : 0,
    checksum: id === ID ? createHash('md5').update(DATA).digest('hex') : null,
    os_hash_algo: id === ID ? 'sha512' : null,
    os_hash_value: id === ID ? createHash('sha512').update(DATA).digest('hex') : null,
    kernel_id: 'k-1',
    os_command_line: 'console=ttyS0',
    min_ram: 64,
    tags: [],
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '';
    if (req.method === 'POST' && url === '/v3/auth/tokens') {
      let body = '';
      for await (const c of req) body += String(c);
      stub.passwords.push((JSON.parse(body) as { auth: { identity: { password: { user: { password: string } } } } }).auth.identity.password.user.password);
      stub.tokens++;
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': `tok-${stub.tokens}` });
      res.end(JSON.stringify({ token: { expires_at: new Date(Date.now() + 3_600_000).toISOString(), catalog: [{ type: 'image', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/image` }] }] } }));
      return;
    }
    if (req.headers['x-auth-token'] !== `tok-${stub.tokens}` || stub.refuseNext) {
      stub.refuseNext = false;
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: 'The request you have made requires authentication.' } }));
      return;
    }
    const m = /^\/image\/v2\/images\/([^/]+)(\/file)?$/.exec(url);
    if (!m || (m[1] !== ID && m[1] !== EMPTY)) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ itemNotFound: { message: 'No image found' } }));
      return;
    }
    if (!m[2]) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(record(m[1]!)));
      return;
    }
    if (m[1] === EMPTY) {
      res.writeHead(204).end();
      return;
    }
    stub.downloads++;
    const bytes = stub.corrupt ?? DATA;
    stub.corrupt = null;
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) }).end(bytes);
  };

  const source = (extra: readonly string[] = []): HttpGuestImageSource =>
    new HttpGuestImageSource(
      loadConfig({ overrides: [`glance.auth_url=${base}/v3`, 'glance.password=s3cret', 'magnetar.region=RegionOne', 'glance.valid_interfaces=internal,public', 'glance.num_retries=0', ...extra] }),
      { cacheDir: join(dir, 'cache') },
    );
  const cacheFiles = (): string[] => readdirSync(join(dir, 'cache')).sort();

  before(async () => {
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'magnetar-http-images-'));
    Object.assign(stub, { downloads: 0, refuseNext: false, corrupt: null, passwords: [] });
  });

  it('downloads an image once into the cache, with its formats and properties, as the [glance] service user', async () => {
    const src = source();
    const img = await src.get(ID);
    assert.ok(img?.path);
    assert.equal(img.path, join(dir, 'cache', ID));
    assert.ok(readFileSync(img.path).equals(DATA));
    assert.equal(img.diskFormat, 'qcow2');
    assert.equal(img.status, 'active');
    assert.deepEqual(img.properties, { kernel_id: 'k-1', os_command_line: 'console=ttyS0' });
    assert.deepEqual(stub.passwords, ['s3cret']);
    const again = await Promise.all([src.get(ID), source().get(ID)]);
    assert.deepEqual(again.map((i) => i?.path), [img.path, img.path]);
    assert.equal(stub.downloads, 1, 'a cached image is not downloaded again');
    assert.deepEqual(cacheFiles(), [ID]);
  });

  it('data that does not match os_hash_value is refused and leaves nothing in the cache', async () => {
    stub.corrupt = Buffer.from(DATA).fill(0x41, 100, 200);
    await assert.rejects(source().get(ID), (e: unknown) => e instanceof ImageFetchError && /sha512/.test(e.message));
    assert.deepEqual(cacheFiles(), []);
    // The next try downloads it whole.
    assert.ok(readFileSync((await source().get(ID))!.path!).equals(DATA));
  });

  it('a transfer cut short is refused; num_retries tries again', async () => {
    stub.corrupt = DATA.subarray(0, 1000);
    await assert.rejects(source().get(ID), ImageFetchError);
    assert.deepEqual(cacheFiles(), []);
    stub.corrupt = DATA.subarray(0, 1000);
    const img = await source(['glance.num_retries=1']).get(ID);
    assert.equal(stub.downloads, 3);
    assert.ok(readFileSync(img!.path!).equals(DATA));
  });

  it('a partial download an earlier process left is removed', async () => {
    source();
    writeFileSync(join(dir, 'cache', `${ID}.999.abcd.part`), 'half');
    source();
    assert.deepEqual(cacheFiles(), []);
  });

  it('an unknown image is undefined; an image without data has no path', async () => {
    const src = source();
    assert.equal(await src.get('99999999-2222-4333-8444-555555555555'), undefined);
    const empty = await src.get(EMPTY);
    assert.equal(empty?.path, null);
    assert.deepEqual(cacheFiles(), []);
  });

  it('a token the image service refuses is renewed once', async () => {
    const src = source();
    await src.get(EMPTY);
    const before = stub.tokens;
    stub.refuseNext = true;
    assert.ok((await src.get(ID))?.path);
    assert.equal(stub.tokens, before + 1);
  });

  it('endpoint_override is used instead of the catalog', async () => {
    const img = await source([`glance.endpoint_override=${base}/image/v2`]).get(ID);
    assert.ok(img?.path);
  });

  it('an unreachable image service is an ImageFetchError naming it', async () => {
    await assert.rejects(source(['glance.endpoint_override=http://127.0.0.1:1']).get(ID), (e: unknown) => e instanceof ImageFetchError && /127\.0\.0\.1:1/.test(e.message));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));
});
