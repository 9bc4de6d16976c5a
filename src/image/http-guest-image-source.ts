// The image source of a compute host that does not share the image store's
// directory: it reaches the image API over HTTP as Nova's compute reaches
// Glance — a service session from `[glance]` (its own user, the image
// endpoint from the catalog or `endpoint_override`) — reads the image record
// (GET /v2/images/{id}) and downloads its data (GET /v2/images/{id}/file)
// once into the host's image cache. A download is written to a temporary
// file, checked against the record's os_hash_value (or its md5 checksum),
// and only then renamed into place, so a crash or a corrupt transfer never
// leaves a partial image in the cache.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Config } from '../config/config.js';
import { KeystoneUnreachable, faultMessage, parseBody } from '../identity/keystone-session.js';
import { ServiceUser } from '../identity/service-user.js';
import type { GuestImage, GuestImageSource } from '../virt/image-source.js';

/** The image service could not be reached or answered with an error; the image data did not arrive whole. */
export class ImageFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageFetchError';
  }
}

/** The hash algorithms Glance records in os_hash_algo that this side can check. */
const HASH_ALGOS = new Set(['sha512', 'sha384', 'sha256', 'sha1', 'md5']);
const PART = '.part';

interface ImageRecord {
  readonly id: string;
  readonly name?: string | null;
  readonly status: string;
  readonly disk_format?: string | null;
  readonly container_format?: string | null;
  readonly size?: number | null;
  readonly checksum?: string | null;
  readonly os_hash_algo?: string | null;
  readonly os_hash_value?: string | null;
  readonly [key: string]: unknown;
}

/** Fields of a Glance v2 image record that are not custom properties. */
const CORE_FIELDS = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'size', 'virtual_size',
  'min_ram', 'min_disk', 'created_at', 'updated_at', 'tags', 'self', 'file', 'schema', 'disk_format', 'container_format', 'locations', 'direct_url', 'stores',
]);

function propertiesOf(r: ImageRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (!CORE_FIELDS.has(k) && typeof v === 'string') out[k] = v;
  return out;
}

export interface HttpImageSourceOptions {
  /** Where downloaded image data is kept, one file per image id. */
  readonly cacheDir: string;
}

export class HttpGuestImageSource implements GuestImageSource {
  private readonly user: ServiceUser;
  private readonly retries: number;
  /** Downloads under way, by image id: concurrent boots of one image share one transfer. */
  private readonly downloads = new Map<string, Promise<string | null>>();

  constructor(
    conf: Config,
    private readonly opts: HttpImageSourceOptions,
  ) {
    this.user = new ServiceUser(conf, 'glance', 'image');
    this.retries = Math.max(0, conf.num('glance', 'num_retries'));
    mkdirSync(opts.cacheDir, { recursive: true });
    // Transfers an earlier life of this process left unfinished.
    for (const f of readdirSync(opts.cacheDir)) if (f.endsWith(PART)) rmSync(join(opts.cacheDir, f), { force: true });
  }

  async get(id: string): Promise<GuestImage | undefined> {
    const record = await this.record(id);
    if (!record) return undefined;
    const hasData = record.status === 'active' && (record.size ?? 0) > 0;
    return {
      id: record.id,
      name: record.name ?? '',
      status: record.status,
      diskFormat: record.disk_format ?? null,
      containerFormat: record.container_format ?? null,
      properties: propertiesOf(record),
      path: hasData ? await this.cached(record) : null,
    };
  }

  /** One authenticated GET; a refused token is renewed once. */
  private async request(path: string): Promise<Response> {
    try {
      return await this.user.request(path, {}, '/v2');
    } catch (err) {
      if (err instanceof KeystoneUnreachable) throw new ImageFetchError(err.message);
      throw err;
    }
  }

  private async record(id: string): Promise<ImageRecord | undefined> {
    const r = await this.request(`/v2/images/${encodeURIComponent(id)}`);
    const body = await parseBody(r);
    if (r.status === 404) return undefined;
    if (r.status !== 200 || body === null || typeof body !== 'object') {
      throw new ImageFetchError(`image service answered HTTP ${r.status} for image ${id}${faultMessage(body) ? `: ${faultMessage(body)}` : ''}`);
    }
    return body as ImageRecord;
  }

  /** The image's data in the cache, downloaded first when it is not there yet; null when the image service holds none. */
  private cached(record: ImageRecord): Promise<string | null> {
    const dest = join(this.opts.cacheDir, record.id);
    if (existsSync(dest)) return Promise.resolve(dest);
    let pending = this.downloads.get(record.id);
    if (!pending) {
      pending = this.downloadWithRetries(record, dest).finally(() => this.downloads.delete(record.id));
      this.downloads.set(record.id, pending);
    }
    return pending;
  }

  private async downloadWithRetries(record: ImageRecord, dest: string): Promise<string | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.download(record, dest)) ? dest : null;
      } catch (err) {
        if (attempt >= this.retries) throw err;
      }
    }
  }

  /** False when the image service has no data for the image (it answers 204, as Glance does). */
  private async download(record: ImageRecord, dest: string): Promise<boolean> {
    const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}${PART}`;
    const algo = record.os_hash_algo && record.os_hash_value && HASH_ALGOS.has(record.os_hash_algo) ? record.os_hash_algo : null;
    const expected = algo ? { algo, value: record.os_hash_value! } : record.checksum ? { algo: 'md5', value: record.checksum } : null;
    const hash = expected ? createHash(expected.algo) : null;
    try {
      const r = await this.request(`/v2/images/${encodeURIComponent(record.id)}/file`);
      if (r.status === 204) {
        await r.body?.cancel();
        return false;
      }
      if (r.status !== 200 || !r.body) {
        const body = await parseBody(r);
        throw new ImageFetchError(`image service answered HTTP ${r.status} to the download of image ${record.id}${faultMessage(body) ? `: ${faultMessage(body)}` : ''}`);
      }
      let bytes = 0;
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          hash?.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(r.body as WebReadableStream<Uint8Array>), count, createWriteStream(tmp));
      if (typeof record.size === 'number' && bytes !== record.size) {
        throw new ImageFetchError(`image ${record.id}: ${bytes} bytes arrived, the image has ${record.size}`);
      }
      const got = hash?.digest('hex');
      if (expected && got !== expected.value) {
        throw new ImageFetchError(`image ${record.id}: the data's ${expected.algo} is ${got}, the image service recorded ${expected.value}`);
      }
      renameSync(tmp, dest);
      return true;
    } catch (err) {
      rmSync(tmp, { force: true });
      if (err instanceof ImageFetchError) throw err;
      throw new ImageFetchError(`download of image ${record.id} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
