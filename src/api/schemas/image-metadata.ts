// Request bodies of the image metadata proxy (/images/{id}/metadata).
import type { JsonSchema } from '../validation.js';

const METADATA = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
  additionalProperties: false,
} as const;

export const imageMetadataSchema: JsonSchema = {
  type: 'object',
  properties: { metadata: METADATA },
  required: ['metadata'],
  additionalProperties: false,
};

export const imageMetaItemSchema: JsonSchema = {
  type: 'object',
  properties: { meta: { ...METADATA, minProperties: 1, maxProperties: 1 } },
  required: ['meta'],
  additionalProperties: false,
};
