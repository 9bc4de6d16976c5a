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
}

export interface ImageLookup {
  get(id: string): ImageInfo | undefined;
}
