// The images a compute host with a state directory of its own writes, through
// the image API as Nova's compute writes to Glance v2, signed in as the
// `[glance]` service user: the formats set on the record first when it has
// none (PATCH, JSON patch), then the data uploaded (PUT /v2/images/{id}/file);
// images no longer wanted deleted (DELETE /v2/images/{id}); a server's backups
// found by their properties (GET /v2/images?instance_uuid=…&image_type=backup).
import type { Config } from '../config/config.js';
import { KeystoneUnreachable, faultMessage, parseBody } from '../identity/keystone-session.js';
import { ServiceUser } from '../identity/service-user.js';
import type { HostImages } from './host-images.js';

/** The image service could not be reached, or refused a write. */
export class ImageWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageWriteError';
  }
}

interface ImageRecord {
  readonly id: string;
  readonly status: string;
  readonly disk_format?: string | null;
  readonly container_format?: string | null;
}

export class HttpHostImages implements HostImages {
  private readonly user: ServiceUser;

  constructor(conf: Config) {
    this.user = new ServiceUser(conf, 'glance', 'image');
  }

  async status(id: string): Promise<string | undefined> {
    return (await this.record(id))?.status;
  }

  async upload(id: string, data: Buffer, formats: { diskFormat: string; containerFormat: string }): Promise<void> {
    const image = await this.record(id);
    if (!image) throw new ImageWriteError(`image ${id} could not be found`);
    if (image.status === 'active') return;
    // Glance takes data only once the record has its formats.
    const patch = [
      ...(image.disk_format ? [] : [{ op: 'add', path: '/disk_format', value: formats.diskFormat }]),
      ...(image.container_format ? [] : [{ op: 'add', path: '/container_format', value: formats.containerFormat }]),
    ];
    if (patch.length > 0) {
      const r = await this.request('PATCH', `/v2/images/${encodeURIComponent(id)}`, JSON.stringify(patch), 'application/openstack-images-v2.1-json-patch');
      await this.expect(r, [200], `setting the formats of image ${id}`);
    }
    const put = await this.request('PUT', `/v2/images/${encodeURIComponent(id)}/file`, data, 'application/octet-stream');
    if (put.status === 409 && (await this.record(id))?.status === 'active') return; // an earlier try got there
    await this.expect(put, [204], `the upload of image ${id}`);
  }

  async discard(id: string): Promise<void> {
    const r = await this.request('DELETE', `/v2/images/${encodeURIComponent(id)}`);
    await this.expect(r, [204, 404], `the deletion of image ${id}`);
  }

  async backupsOf(instanceUuid: string, backupType: string): Promise<readonly { readonly id: string }[]> {
    const q = new URLSearchParams({ instance_uuid: instanceUuid, image_type: 'backup', backup_type: backupType, sort_key: 'created_at', sort_dir: 'desc' });
    const out: { id: string }[] = [];
    for (let path: string | undefined = `/v2/images?${q.toString()}`; path; ) {
      const r = await this.request('GET', path);
      const body = (await this.expect(r, [200], `the list of backups of server ${instanceUuid}`)) as { images?: Array<Record<string, unknown>>; next?: string };
      for (const i of body.images ?? []) {
        // Filtered here too: the answer must be the server's backups of this type whatever filters the service applied.
        if (i['instance_uuid'] === instanceUuid && i['image_type'] === 'backup' && i['backup_type'] === backupType && typeof i['id'] === 'string') out.push({ id: i['id'] });
      }
      path = typeof body.next === 'string' && body.next !== '' ? body.next : undefined;
    }
    return out;
  }

  private async record(id: string): Promise<ImageRecord | undefined> {
    const r = await this.request('GET', `/v2/images/${encodeURIComponent(id)}`);
    if (r.status === 404) {
      await r.body?.cancel();
      return undefined;
    }
    return (await this.expect(r, [200], `image ${id}`)) as ImageRecord;
  }

  /** The body of an answer with one of the `ok` statuses; else the service's fault as an error. */
  private async expect(r: Response, ok: readonly number[], what: string): Promise<unknown> {
    const body = await parseBody(r);
    if (!ok.includes(r.status)) throw new ImageWriteError(`image service answered HTTP ${r.status} to ${what}${faultMessage(body) ? `: ${faultMessage(body)}` : ''}`);
    return body;
  }

  /** One authenticated request; a refused token is renewed once. */
  private async request(method: string, path: string, body?: string | Buffer, contentType?: string): Promise<Response> {
    try {
      return await this.user.request(
        path,
        { method, ...(contentType && { headers: { 'Content-Type': contentType } }), ...(body !== undefined && { body: typeof body === 'string' ? body : new Uint8Array(body) }) },
        '/v2',
      );
    } catch (err) {
      if (err instanceof KeystoneUnreachable) throw new ImageWriteError(err.message);
      throw err;
    }
  }
}
