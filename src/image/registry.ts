// The write side of the image service: creating image records, uploading and
// downloading their data, JSON-patch updates and deletion, with Glance's
// status rules (queued → saving → active) and default policies.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, rmSync, writeFileSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AuthContext } from '../identity/validator.js';
import type { Image, ImageCatalog } from './catalog.js';
import type { ImageStore } from './store.js';
import { ImageError, allowed, canSee, isAdmin, notFound, type Caller } from './access.js';
import { CORE, PROPERTY_QUOTA, checkValue, checkWritable } from './attributes.js';

export interface SnapshotImageMeta {
  readonly name: string;
  readonly owner: string;
  readonly visibility: Image['visibility'];
  readonly minDisk: number;
  readonly minRam: number;
  /** Backups keep the formats of the image the server was booted from; snapshots get them on upload. */
  readonly diskFormat?: string | null;
  readonly containerFormat?: string | null;
  readonly properties: Readonly<Record<string, string>>;
}

export interface PatchOp {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

// Milliseconds are kept (they order backups made within a second); views show whole seconds.
const nowIso = (): string => new Date().toISOString();

export class ImageRegistry {
  readonly store: ImageStore;

  constructor(
    readonly catalog: ImageCatalog,
    private readonly now: () => string = nowIso,
  ) {
    if (!catalog.store) throw new Error('an image registry needs a catalog with a store');
    this.store = catalog.store;
  }

  /** The image as `ctx` may see it, else 404. */
  visible(id: string, ctx: Caller): Image {
    const image = this.catalog.byId(id);
    if (!image || !canSee(image, ctx)) throw notFound(id);
    return image;
  }

  /** One the caller may change: seeded images are fixed. */
  private changeable(id: string, ctx: Caller, action: string): Image {
    const image = this.visible(id, ctx);
    if (this.catalog.isSeeded(id)) throw new ImageError(403, `You are not authorized to complete ${action} action.`);
    allowed(action, ctx, image);
    return image;
  }

  create(ctx: AuthContext, body: Record<string, unknown>): Image {
    allowed('add_image', ctx);
    const fields: Record<string, unknown> = {};
    const properties: Record<string, string> = {};
    for (const [name, raw] of Object.entries(body)) {
      checkWritable(name);
      const value = checkValue(name, raw);
      if (CORE.has(name)) fields[name] = value;
      else properties[name] = value as string;
    }
    if (Object.keys(properties).length > PROPERTY_QUOTA) {
      throw new ImageError(413, `Maximum number of properties exceeded: ${PROPERTY_QUOTA}`);
    }
    if (fields['visibility'] === 'public') allowed('publicize_image', ctx);
    const owner = (fields['owner'] as string | null | undefined) ?? ctx.projectId;
    if (owner !== ctx.projectId && !isAdmin(ctx)) {
      throw new ImageError(403, `You are not permitted to create images owned by '${owner}'.`);
    }
    return this.insert({ ...fields, owner, properties });
  }

  /** Stores a new queued image from checked fields; 409 when the id is taken. */
  private insert(fields: Record<string, unknown> & { owner: string; properties: Record<string, string> }): Image {
    const at = this.now();
    const image: Image = {
      id: (fields['id'] as string | undefined) ?? randomUUID(),
      name: (fields['name'] as string | null | undefined) ?? null,
      status: 'queued',
      visibility: (fields['visibility'] as Image['visibility'] | undefined) ?? 'shared',
      disk_format: (fields['disk_format'] as string | null | undefined) ?? null,
      container_format: (fields['container_format'] as string | null | undefined) ?? null,
      min_disk: (fields['min_disk'] as number | undefined) ?? 0,
      min_ram: (fields['min_ram'] as number | undefined) ?? 0,
      size: null,
      virtual_size: null,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      owner: fields.owner,
      protected: (fields['protected'] as boolean | undefined) ?? false,
      os_hidden: (fields['os_hidden'] as boolean | undefined) ?? false,
      tags: (fields['tags'] as string[] | undefined) ?? [],
      created_at: at,
      updated_at: at,
      properties: fields.properties,
    };
    if (this.catalog.isSeeded(image.id) || !this.store.create(image)) {
      throw new ImageError(409, `Image with identifier ${image.id} already exists!`);
    }
    return image;
  }

  patch(ctx: Caller, id: string, ops: readonly PatchOp[]): Image {
    const image = this.changeable(id, ctx, 'modify_image');
    const next: Record<string, unknown> = { ...image, properties: { ...image.properties } };
    const properties = next['properties'] as Record<string, string>;
    for (const { op, path, value } of ops) {
      const name = pointerName(path);
      checkWritable(name);
      if (name === 'id') throw new ImageError(403, "Attribute 'id' is read-only.");
      if (CORE.has(name)) {
        if (op === 'remove') throw new ImageError(403, `Property ${name} may not be removed.`);
        const checked = checkValue(name, value);
        if (name === 'visibility' && checked === 'public' && image.visibility !== 'public') allowed('publicize_image', ctx);
        if (name === 'owner' && checked !== image.owner && !isAdmin(ctx)) {
          throw new ImageError(403, "You are not permitted to modify 'owner' on this image.");
        }
        next[name] = checked;
      } else if (op === 'remove') {
        if (!(name in properties)) throw new ImageError(409, `Property ${name} does not exist.`);
        delete properties[name];
      } else if (op === 'replace' && !(name in properties)) {
        throw new ImageError(409, `Property ${name} does not exist.`);
      } else {
        properties[name] = checkValue(name, value) as string;
      }
    }
    if (Object.keys(properties).length > PROPERTY_QUOTA) {
      throw new ImageError(413, `Maximum number of properties exceeded: ${PROPERTY_QUOTA}`);
    }
    const updated = { ...(next as unknown as Image), updated_at: this.now() };
    // The record may have changed (an upload finished) since it was read:
    // keep the newest status and data fields.
    const current = this.store.get(id);
    if (!current) throw notFound(id);
    const merged: Image = {
      ...updated,
      status: current.status,
      size: current.size,
      virtual_size: current.virtual_size,
      checksum: current.checksum,
      os_hash_algo: current.os_hash_algo,
      os_hash_value: current.os_hash_value,
    };
    this.store.put(merged);
    return merged;
  }

  /** PUT /v2/images/{id}/tags/{tag}: adds the tag (already there: nothing to do). */
  addTag(ctx: Caller, id: string, tag: string): void {
    const image = this.changeable(id, ctx, 'modify_image');
    if (tag.length > 255) throw new ImageError(400, 'Tag exceeds the maximum length of 255 characters.');
    if (!image.tags.includes(tag)) this.patch(ctx, id, [{ op: 'replace', path: '/tags', value: [...image.tags, tag] }]);
  }

  /** DELETE /v2/images/{id}/tags/{tag}: 404 when the image has no such tag. */
  removeTag(ctx: Caller, id: string, tag: string): void {
    const image = this.changeable(id, ctx, 'modify_image');
    if (!image.tags.includes(tag)) throw new ImageError(404, `Tag ${tag} not found.`);
    this.patch(ctx, id, [{ op: 'replace', path: '/tags', value: image.tags.filter((t) => t !== tag) }]);
  }

  /** POST /v2/images/{id}/actions/deactivate or reactivate: only between active and deactivated; repeating is a no-op. */
  setDeactivated(ctx: Caller, id: string, deactivated: boolean): void {
    const action = deactivated ? 'deactivate' : 'reactivate';
    const image = this.changeable(id, ctx, action);
    if (image.status !== 'active' && image.status !== 'deactivated') {
      throw new ImageError(403, `Not allowed to ${action} image in status '${image.status}'`);
    }
    const status = deactivated ? 'deactivated' : 'active';
    const current = this.store.get(id);
    if (current && current.status !== status) this.store.put({ ...current, status, updated_at: this.now() });
  }

  remove(ctx: Caller, id: string): void {
    const image = this.changeable(id, ctx, 'delete_image');
    if (image.protected) throw new ImageError(403, `Image ${id} is protected and cannot be deleted.`);
    this.store.remove(id);
  }

  /**
   * Streams `data` into the image: queued → saving while the bytes arrive,
   * then active with size and checksums. A failed upload puts the image back
   * to queued.
   */
  async upload(ctx: Caller, id: string, data: Readable): Promise<Image> {
    const image = this.changeable(id, ctx, 'upload_image');
    const missing = ['disk_format', 'container_format'].filter((k) => image[k as 'disk_format'] === null);
    if (missing.length > 0) throw new ImageError(400, `Properties ${missing.join(', ')} must be set prior to saving data.`);
    const claim = this.store.claim(id, 'upload');
    const current = this.store.get(id);
    if (!claim || !current || current.status !== 'queued') {
      claim?.release();
      if (!current) throw notFound(id);
      throw new ImageError(409, `Image status transition from ${claim ? current.status : 'saving'} to saving is not allowed`);
    }
    const tmp = this.store.tempPath(id);
    try {
      this.store.put({ ...current, status: 'saving', updated_at: this.now() });
      const md5 = createHash('md5');
      const sha512 = createHash('sha512');
      let size = 0;
      const hasher = new Transform({
        transform(chunk: Buffer, _enc, done) {
          md5.update(chunk);
          sha512.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(data, hasher, createWriteStream(tmp));
      const latest = this.store.get(id);
      if (!latest) throw notFound(id); // deleted while uploading
      this.store.commitData(id, tmp);
      const active: Image = {
        ...latest,
        status: 'active',
        size,
        virtual_size: null,
        checksum: md5.digest('hex'),
        os_hash_algo: 'sha512',
        os_hash_value: sha512.digest('hex'),
        updated_at: this.now(),
      };
      this.store.put(active);
      return active;
    } catch (err) {
      rmSync(tmp, { force: true });
      const latest = this.store.get(id);
      if (latest && latest.status === 'saving') this.store.put({ ...latest, status: 'queued', updated_at: this.now() });
      throw err;
    } finally {
      claim.release();
    }
  }

  /** The image's data file, or null when it has none yet. */
  dataFor(ctx: AuthContext, id: string): { image: Image; path: string } | null {
    const image = this.visible(id, ctx);
    if (image.status === 'deactivated' && !isAdmin(ctx)) {
      throw new ImageError(403, 'The requested image has been deactivated. Image data download is forbidden.');
    }
    if (image.status === 'deactivated' && this.store.hasData(id)) return { image, path: this.store.dataPath(id) };
    if (image.status !== 'active' || !this.store.hasData(id)) return null;
    return { image, path: this.store.dataPath(id) };
  }

  /**
   * The queued image a server's snapshot or backup is uploaded into, created
   * by the compute service for the requester's project (no image policy
   * applies: the compute API has checked its own).
   */
  createForSnapshot(meta: SnapshotImageMeta): Image {
    return this.insert({
      name: meta.name,
      owner: meta.owner,
      visibility: meta.visibility,
      min_disk: meta.minDisk,
      min_ram: meta.minRam,
      ...(meta.diskFormat !== undefined ? { disk_format: meta.diskFormat, container_format: meta.containerFormat ?? 'bare' } : {}),
      properties: { ...meta.properties },
    });
  }

  /**
   * The host's upload of a snapshot's bytes: the image becomes active.
   * Repeatable (a resumed step uploads again; an active image is left as is).
   */
  uploadSnapshot(id: string, data: Buffer, formats: { diskFormat: string; containerFormat: string }): Image {
    const image = this.store.get(id);
    if (!image) throw notFound(id);
    if (image.status === 'active') return image;
    const tmp = this.store.tempPath(id);
    writeFileSync(tmp, data);
    this.store.commitData(id, tmp);
    const latest = this.store.get(id);
    if (!latest) {
      this.store.remove(id); // deleted meanwhile: drop the data too
      throw notFound(id);
    }
    const active: Image = {
      ...latest,
      status: 'active',
      disk_format: latest.disk_format ?? formats.diskFormat,
      container_format: latest.container_format ?? formats.containerFormat,
      size: data.length,
      virtual_size: null,
      checksum: createHash('md5').update(data).digest('hex'),
      os_hash_algo: 'sha512',
      os_hash_value: createHash('sha512').update(data).digest('hex'),
      updated_at: this.now(),
    };
    this.store.put(active);
    return active;
  }

  /** A server's backups of one type, newest first (Nova's rotation order). */
  backupsOf(instanceUuid: string, backupType: string): Image[] {
    return this.store
      .list()
      .filter((i) => i.properties['image_type'] === 'backup' && i.properties['backup_type'] === backupType && i.properties['instance_uuid'] === instanceUuid)
      .sort((a, b) => (a.created_at === b.created_at ? b.id.localeCompare(a.id) : b.created_at.localeCompare(a.created_at)));
  }

  /** Deletes an image as the service (a failed snapshot), protected or not. */
  discard(id: string): void {
    this.store.remove(id);
  }
}

/** `/name` → `name`; Glance allows only one level, with ~0 and ~1 escapes. */
function pointerName(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new ImageError(400, `Pointer \`${String(path)}\` does not start with "/".`);
  const parts = path.slice(1).split('/');
  if (parts.length !== 1 || parts[0] === '') throw new ImageError(400, `Invalid JSON pointer for this resource: '${path}'`);
  return (parts[0] as string).replace(/~1/g, '/').replace(/~0/g, '~');
}
