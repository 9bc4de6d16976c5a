// What the compute API needs to know about images: does one exist, and its name.
export interface ImageInfo {
  readonly id: string;
  readonly name: string;
  /** Glance's status; only an active image can be booted from. */
  readonly status: string;
  readonly minDisk: number;
  readonly minRam: number;
  readonly diskFormat?: string | null;
  readonly containerFormat?: string | null;
  readonly properties: Readonly<Record<string, string>>;
  /** Who may use it: the owner's project, else anyone when public or community. */
  readonly owner?: string;
  readonly visibility?: string;
}

/**
 * Whether a project may use the image, as Glance would answer the compute
 * service on its behalf: admins, the owner, public and community images, and
 * the project a snapshot was shared with.
 */
export function usableBy(image: ImageInfo, who: { readonly projectId: string | null; readonly isAdmin: boolean }): boolean {
  if (who.isAdmin || image.visibility === undefined || image.visibility === 'public' || image.visibility === 'community') return true;
  return image.owner === who.projectId || (image.visibility === 'shared' && image.properties['instance_owner'] === who.projectId);
}

export interface ImageLookup {
  get(id: string): ImageInfo | undefined;
}
