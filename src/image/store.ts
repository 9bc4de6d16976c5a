// Images created through the API, kept as files under the state directory:
// `<id>.json` holds the record, `<id>.data` the uploaded bytes. Every write
// goes to a temporary file first and is renamed into place, so a crash leaves
// either the old or the new version, never half of one.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Image } from './catalog.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class ImageStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private recordPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  dataPath(id: string): string {
    return join(this.dir, `${id}.data`);
  }

  /** A fresh temporary path in the store's directory (same file system, so renames are atomic). */
  tempPath(id: string): string {
    return join(this.dir, `${id}.${randomBytes(6).toString('hex')}.tmp`);
  }

  list(): Image[] {
    const out: Image[] = [];
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith('.json')) continue;
      const image = this.get(f.slice(0, -5));
      if (image) out.push(image);
    }
    return out;
  }

  get(id: string): Image | undefined {
    if (!UUID.test(id)) return undefined;
    try {
      return JSON.parse(readFileSync(this.recordPath(id), 'utf8')) as Image;
    } catch {
      return undefined;
    }
  }

  put(image: Image): void {
    const tmp = this.tempPath(image.id);
    writeFileSync(tmp, JSON.stringify(image));
    renameSync(tmp, this.recordPath(image.id));
  }

  /** Creates the record only if no image has the id yet; false when one does. */
  create(image: Image): boolean {
    const lock = this.claim(image.id, 'create');
    if (!lock) return false;
    try {
      if (existsSync(this.recordPath(image.id))) return false;
      this.put(image);
      return true;
    } finally {
      lock.release();
    }
  }

  remove(id: string): void {
    rmSync(this.recordPath(id), { force: true });
    rmSync(this.dataPath(id), { force: true });
  }

  hasData(id: string): boolean {
    return existsSync(this.dataPath(id));
  }

  /** Moves a finished temporary file into place as the image's data. */
  commitData(id: string, tmp: string): void {
    renameSync(tmp, this.dataPath(id));
  }

  /**
   * An exclusive claim on one image for one purpose (an upload, a creation),
   * across processes sharing the directory: the lock file is created with
   * O_EXCL. Null when someone else holds it.
   */
  claim(id: string, purpose: string): { release(): void } | null {
    const path = join(this.dir, `${id}.${purpose}.lock`);
    try {
      closeSync(openSync(path, 'wx'));
    } catch {
      return null;
    }
    return { release: () => rmSync(path, { force: true }) };
  }

  /**
   * After a restart: uploads that were under way when the process stopped
   * will never finish. Their images go back to queued and the partial files
   * are removed, so the upload can be tried again.
   */
  recoverInterruptedUploads(now: string): void {
    for (const f of readdirSync(this.dir)) {
      if (f.endsWith('.tmp') || f.endsWith('.lock')) rmSync(join(this.dir, f), { force: true });
    }
    for (const image of this.list()) {
      if (image.status === 'saving') this.put({ ...image, status: 'queued', updated_at: now });
    }
  }
}

