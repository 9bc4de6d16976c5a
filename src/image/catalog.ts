// The images Magnetar offers: a fixed set every process agrees on (ids are
// derived from names), plus the images created through the API, kept in the
// file store under the state directory. The compute API checks imageRef
// against it.
import { createHash } from 'node:crypto';
import { projectIdFor } from '../identity/users.js';
import type { ImageStore } from './store.js';

export type ImageStatus = 'queued' | 'saving' | 'active' | 'killed' | 'deleted' | 'pending_delete' | 'deactivated';
export type ImageVisibility = 'public' | 'private' | 'shared' | 'community';

export interface Image {
  readonly id: string;
  readonly name: string | null;
  readonly status: ImageStatus;
  readonly visibility: ImageVisibility;
  readonly disk_format: string | null;
  readonly container_format: string | null;
  readonly min_disk: number;
  readonly min_ram: number;
  readonly size: number | null;
  readonly virtual_size: number | null;
  readonly checksum: string | null;
  readonly os_hash_algo: string | null;
  readonly os_hash_value: string | null;
  readonly owner: string;
  readonly protected: boolean;
  readonly os_hidden: boolean;
  readonly tags: readonly string[];
  readonly created_at: string;
  readonly updated_at: string;
  /** Extra properties; Glance shows them as top-level fields. */
  readonly properties: Readonly<Record<string, string>>;
}

/** A stable UUID (version-4 layout) from a name, so ids survive restarts. */
export function uuidFromName(name: string): string {
  const h = createHash('sha1').update(`image:${name}`).digest('hex');
  const variant = ((parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function seededImage(
  name: string,
  size: number,
  virtualSize: number,
  createdAt: string,
  properties: Record<string, string>,
): Image {
  // No image data exists; checksums are derived from the name so they are stable.
  const digest = (alg: string): string => createHash(alg).update(`image-data:${name}`).digest('hex');
  return {
    id: uuidFromName(name),
    name,
    status: 'active',
    visibility: 'public',
    disk_format: 'qcow2',
    container_format: 'bare',
    min_disk: 0,
    min_ram: 0,
    size,
    virtual_size: virtualSize,
    checksum: digest('md5'),
    os_hash_algo: 'sha512',
    os_hash_value: digest('sha512'),
    owner: projectIdFor('admin'),
    protected: false,
    os_hidden: false,
    tags: [],
    created_at: createdAt,
    updated_at: createdAt,
    properties,
  };
}

export const SEEDED_IMAGES: readonly Image[] = [
  seededImage('cirros', 21430272, 117440512, '2024-01-01T00:00:00Z', {
    os_distro: 'cirros',
    os_version: '0.6.2',
    hw_architecture: 'x86_64',
  }),
  seededImage('ubuntu-24.04', 593305600, 3758096384, '2024-05-01T00:00:00Z', {
    os_distro: 'ubuntu',
    os_version: '24.04',
    hw_architecture: 'x86_64',
  }),
];

export class ImageCatalog {
  constructor(
    private readonly seeded: readonly Image[] = SEEDED_IMAGES,
    /** Where created images live; without one the catalog is the seeded set only. */
    readonly store?: ImageStore,
  ) {}

  /** Every image: read from the store each time, so other processes' writes are seen. */
  get images(): readonly Image[] {
    return this.store ? [...this.seeded, ...this.store.list()] : this.seeded;
  }

  /** Whether the image is one of the fixed, read-only ones. */
  isSeeded(id: string): boolean {
    return this.seeded.some((i) => i.id === id);
  }

  byId(id: string): Image | undefined {
    return this.seeded.find((i) => i.id === id) ?? this.store?.get(id);
  }

  /** By id, else by name when exactly one image has it. */
  findImage(idOrName: string): Image | undefined {
    const byId = this.byId(idOrName);
    if (byId) return byId;
    const named = this.images.filter((i) => i.name === idOrName);
    return named.length === 1 ? named[0] : undefined;
  }
}

const seeded = new ImageCatalog();

/** Looks an image up among the seeded ones, by id or unique name. */
export function findImage(idOrName: string): Image | undefined {
  return seeded.findImage(idOrName);
}
