// Request bodies of the rescue and unrescue server actions.
import type { JsonSchema } from '../validation.js';
import { UUID_PATTERN } from '../validation.js';

export const rescueSchema: JsonSchema = {
  type: 'object',
  properties: {
    rescue: {
      type: ['object', 'null'],
      properties: {
        adminPass: { type: 'string' },
        rescue_image_ref: { type: 'string', pattern: UUID_PATTERN },
      },
      additionalProperties: false,
    },
  },
  required: ['rescue'],
  additionalProperties: false,
};

/** Any value: Nova does not look at it. */
export const unrescueSchema: JsonSchema = {
  type: 'object',
  properties: { unrescue: {} },
  required: ['unrescue'],
  additionalProperties: false,
};
