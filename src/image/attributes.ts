// Glance's rules for the attributes a client may set, on create and through
// a JSON patch: the formats, visibility, sizes, flags, tags and free-form
// string properties; the attributes only the service sets are read-only.
import { ImageError } from './access.js';

export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
export const VISIBILITIES = ['public', 'private', 'shared', 'community'] as const;

export const READ_ONLY = new Set([
  'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'created_at', 'updated_at',
  'self', 'file', 'schema', 'direct_url', 'stores',
]);
export const RESERVED = new Set(['location', 'deleted', 'deleted_at']);
/** Attributes with their own type; everything else is a string property. */
export const CORE = new Set(['id', 'name', 'visibility', 'protected', 'os_hidden', 'owner', 'disk_format', 'container_format', 'min_disk', 'min_ram', 'tags', 'locations']);
/** Glance's image_property_quota default. */
export const PROPERTY_QUOTA = 128;

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const schemaError = (detail: string): ImageError => new ImageError(400, `Provided object does not match schema 'image': ${detail}`);

const oneOf = (name: string, value: unknown, allowed: readonly string[], nullable: boolean): string | null => {
  if (value === null && nullable) return null;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw schemaError(`${JSON.stringify(value)} is not one of ${JSON.stringify(nullable ? [null, ...allowed] : allowed)}: ${name}`);
  }
  return value;
};

/** One attribute's value, checked and normalised; throws a Glance-style 400. */
export function checkValue(name: string, value: unknown): unknown {
  switch (name) {
    case 'id':
      if (typeof value !== 'string' || !UUID.test(value)) throw schemaError(`${JSON.stringify(value)} does not match the UUID pattern: id`);
      return value.toLowerCase();
    case 'name':
      if (value !== null && (typeof value !== 'string' || value.length > 255)) throw schemaError(`${JSON.stringify(value)} is not a string of at most 255 characters: name`);
      return value;
    case 'owner':
      if (value !== null && (typeof value !== 'string' || value.length > 255)) throw schemaError(`${JSON.stringify(value)} is not a string of at most 255 characters: owner`);
      return value;
    case 'disk_format':
      return oneOf(name, value, DISK_FORMATS, true);
    case 'container_format':
      return oneOf(name, value, CONTAINER_FORMATS, true);
    case 'visibility':
      return oneOf(name, value, VISIBILITIES, false);
    case 'protected':
    case 'os_hidden':
      if (typeof value !== 'boolean') throw schemaError(`${JSON.stringify(value)} is not of type 'boolean': ${name}`);
      return value;
    case 'min_disk':
    case 'min_ram':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw schemaError(`${JSON.stringify(value)} is not of type 'integer': ${name}`);
      if (value < 0) throw schemaError(`${value} is less than the minimum of 0: ${name}`);
      return value;
    case 'tags': {
      if (!Array.isArray(value)) throw schemaError(`${JSON.stringify(value)} is not of type 'array': tags`);
      for (const t of value) {
        if (typeof t !== 'string' || t.length > 255) throw schemaError(`${JSON.stringify(t)} is not a string of at most 255 characters: tags`);
      }
      return [...new Set(value as string[])];
    }
    case 'locations':
      throw new ImageError(403, "Attribute 'locations' is reserved.");
    default:
      if (typeof value !== 'string') throw schemaError(`${JSON.stringify(value)} is not of type 'string': ${name}`);
      if (name.length === 0 || name.length > 255) throw schemaError(`property names are 1 to 255 characters`);
      return value;
  }
}

/** Refuses attributes no client may set. */
export function checkWritable(name: string): void {
  if (READ_ONLY.has(name)) throw new ImageError(403, `Attribute '${name}' is read-only.`);
  if (RESERVED.has(name)) throw new ImageError(403, `Attribute '${name}' is reserved.`);
}
