// Bodies of /servers/{server_id}/tags[/{tag}]: a tag is 1–60 characters
// without '/' or ','; a server has at most 50.
import type { JsonSchema } from '../validation.js';
import { MAX_TAG_COUNT, MAX_TAG_LENGTH } from '../../compute/server-tags.js';

export const TAG_PATTERN = '^[^,/]*$';

export const TAG = { type: 'string', pattern: TAG_PATTERN, minLength: 1, maxLength: MAX_TAG_LENGTH } as const;

/** PUT /tags: the whole list. */
export const tagsBody: JsonSchema = {
  type: 'object',
  properties: { tags: { type: 'array', items: TAG, maxItems: MAX_TAG_COUNT } },
  required: ['tags'],
  additionalProperties: false,
};
