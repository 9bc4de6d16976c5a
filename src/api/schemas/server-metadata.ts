// Bodies of /servers/{server_id}/metadata[/{key}]: keys of 1–255 safe
// characters, string values of at most 255; one key under `meta` for a
// single item.
import type { JsonSchema } from '../validation.js';

export const SERVER_METADATA = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
  additionalProperties: false,
} as const;

/** POST (merge) and PUT (replace) of the whole metadata. */
export const metadataBody: JsonSchema = {
  type: 'object',
  properties: { metadata: SERVER_METADATA },
  required: ['metadata'],
  additionalProperties: false,
};

/** PUT /metadata/{key}: exactly one item. */
export const metaItemBody: JsonSchema = {
  type: 'object',
  properties: { meta: { ...SERVER_METADATA, minProperties: 1, maxProperties: 1 } },
  required: ['meta'],
  additionalProperties: false,
};
