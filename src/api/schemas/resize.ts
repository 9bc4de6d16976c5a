// Request bodies of resize, confirmResize and revertResize. The last two take
// any value and are not validated.
import type { JsonSchema } from '../validation.js';

export const RESIZE_BODY: JsonSchema = {
  type: 'object',
  properties: {
    resize: {
      type: 'object',
      properties: {
        flavorRef: { type: ['string', 'integer'], minLength: 1 },
        'OS-DCF:diskConfig': { type: 'string', enum: ['AUTO', 'MANUAL'] },
      },
      required: ['flavorRef'],
      additionalProperties: false,
    },
  },
  required: ['resize'],
  additionalProperties: false,
};

export interface ResizeBody {
  readonly resize: { readonly flavorRef: string | number; readonly 'OS-DCF:diskConfig'?: 'AUTO' | 'MANUAL' };
}
