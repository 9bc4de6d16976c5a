// Glance v2 JSON shapes: image records, version documents, and the image
// schemas glanceclient fetches before printing.
import type { Image } from './catalog.js';

/** An image as `GET /v2/images/{id}` shows it: extra properties at top level, plus links. */
export function imageView(i: Image): Record<string, unknown> {
  const { properties, ...fields } = i;
  const seconds = (t: string): string => t.replace(/\.\d+Z$/, 'Z');
  return {
    ...properties,
    ...fields,
    created_at: seconds(i.created_at),
    updated_at: seconds(i.updated_at),
    self: `/v2/images/${i.id}`,
    file: `/v2/images/${i.id}/file`,
    schema: '/v2/schemas/image',
  };
}

const VERSIONS: ReadonlyArray<readonly [string, string]> = [
  ['v2.16', 'CURRENT'],
  ['v2.15', 'SUPPORTED'],
  ['v2.9', 'SUPPORTED'],
  ['v2.7', 'SUPPORTED'],
  ['v2.6', 'SUPPORTED'],
  ['v2.5', 'SUPPORTED'],
  ['v2.4', 'SUPPORTED'],
  ['v2.3', 'SUPPORTED'],
  ['v2.2', 'SUPPORTED'],
  ['v2.1', 'SUPPORTED'],
  ['v2.0', 'SUPPORTED'],
];

export function versionsDocument(baseUrl: string): Record<string, unknown> {
  return {
    versions: VERSIONS.map(([id, status]) => ({ id, status, links: [{ rel: 'self', href: `${baseUrl}/v2/` }] })),
  };
}

const nullableString = { type: ['null', 'string'] };

/** A JSON schema (draft 4, as Glance serves) of one image. */
export const IMAGE_SCHEMA = {
  name: 'image',
  additionalProperties: { type: 'string' },
  properties: {
    id: { type: 'string', pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$', description: 'An identifier for the image' },
    name: { ...nullableString, maxLength: 255, description: 'Descriptive name for the image' },
    status: { type: 'string', readOnly: true, enum: ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'], description: 'Status of the image' },
    visibility: { type: 'string', enum: ['community', 'public', 'private', 'shared'], description: 'Scope of image accessibility' },
    protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
    os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
    checksum: { ...nullableString, readOnly: true, maxLength: 32, description: 'md5 hash of image contents.' },
    os_hash_algo: { ...nullableString, readOnly: true, maxLength: 64, description: 'Algorithm to calculate the os_hash_value' },
    os_hash_value: { ...nullableString, readOnly: true, maxLength: 128, description: 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo' },
    owner: { ...nullableString, maxLength: 255, description: 'Owner of the image' },
    size: { type: ['null', 'integer'], readOnly: true, description: 'Size of image file in bytes' },
    virtual_size: { type: ['null', 'integer'], readOnly: true, description: 'Virtual size of image in bytes' },
    container_format: { ...nullableString, enum: [null, 'ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'], description: 'Format of the container' },
    disk_format: { ...nullableString, enum: [null, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'], description: 'Format of the disk' },
    created_at: { type: 'string', readOnly: true, description: 'Date and time of image registration' },
    updated_at: { type: 'string', readOnly: true, description: 'Date and time of the last image modification' },
    tags: { type: 'array', items: { type: 'string', maxLength: 255 }, description: 'List of strings related to the image' },
    min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
    min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
    self: { type: 'string', readOnly: true, description: 'An image self url' },
    file: { type: 'string', readOnly: true, description: 'An image file url' },
    schema: { type: 'string', readOnly: true, description: 'An image schema url' },
  },
  links: [
    { rel: 'self', href: '{self}' },
    { rel: 'enclosure', href: '{file}' },
    { rel: 'describedby', href: '{schema}' },
  ],
} as const;

export const IMAGES_SCHEMA = {
  name: 'images',
  properties: {
    images: { type: 'array', items: IMAGE_SCHEMA },
    schema: { type: 'string' },
    first: { type: 'string' },
    next: { type: 'string' },
  },
  links: [
    { rel: 'first', href: '{first}' },
    { rel: 'next', href: '{next}' },
    { rel: 'describedby', href: '{schema}' },
  ],
} as const;

/** Glance's plain-text error body (webob's format). */
export function plainError(code: number, title: string, detail: string): string {
  return `${code} ${title}\n\n${detail}\n\n   `;
}
