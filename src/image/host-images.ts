// The images a compute host writes — snapshots, backups, a shelved server's
// disk — whose records the compute API made: their data uploaded, and the
// ones that are no longer wanted deleted. Where the host holds the image
// store (the all-in-one, or a host sharing the API's state directory) it
// writes the store in place; a host with a state directory of its own goes
// through the image API, as Nova's compute uploads to Glance.
import type { Config } from '../config/config.js';
import { computeImageSourceKind } from './compute-image-source.js';
import { HttpHostImages } from './http-host-images.js';
import { imageCatalog } from './on-disk.js';
import { ImageRegistry } from './registry.js';

export interface HostImages {
  /** The image's status; undefined when there is no such image. */
  status(id: string): Promise<string | undefined>;
  /** The image's data: it becomes active. Repeatable (an active image is left as it is). */
  upload(id: string, data: Buffer, formats: { diskFormat: string; containerFormat: string }): Promise<void>;
  /** Deletes the image (none is fine). */
  discard(id: string): Promise<void>;
  /** A server's backups of one type, newest first (Nova's rotation order). */
  backupsOf(instanceUuid: string, backupType: string): Promise<readonly { readonly id: string }[]>;
}

/** The image store on this machine, written in place. */
export class LocalHostImages implements HostImages {
  constructor(private readonly registry: ImageRegistry) {}

  async status(id: string): Promise<string | undefined> {
    return this.registry.store.get(id)?.status;
  }
  async upload(id: string, data: Buffer, formats: { diskFormat: string; containerFormat: string }): Promise<void> {
    this.registry.uploadSnapshot(id, data, formats);
  }
  async discard(id: string): Promise<void> {
    this.registry.discard(id);
  }
  async backupsOf(instanceUuid: string, backupType: string): Promise<readonly { readonly id: string }[]> {
    return this.registry.backupsOf(instanceUuid, backupType);
  }
}

/** Where this host writes its images: in place, or through the image API when it reads images that way too (`[magnetar] compute_image_source`). */
export function hostImages(conf: Config): HostImages {
  return computeImageSourceKind(conf) === 'http' ? new HttpHostImages(conf) : new LocalHostImages(new ImageRegistry(imageCatalog(conf)));
}
