// How a driver that boots real guests reaches image bytes: by id, the
// image's formats and properties and a local file holding its data. The
// all-in-one reads the image store in process; a remote host would fetch
// through the image API. Declared here so drivers need no image module.

export interface GuestImage {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly diskFormat: string | null;
  readonly containerFormat: string | null;
  readonly properties: Readonly<Record<string, string>>;
  /** A file holding the image's data; null when the image has none (e.g. a catalogue entry without bytes). */
  readonly path: string | null;
}

export interface GuestImageSource {
  /** The image, or undefined when there is no such image. */
  get(id: string): Promise<GuestImage | undefined>;
}
