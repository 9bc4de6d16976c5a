// Request body of os-resetState. injectNetworkInfo and resetNetwork take any
// value and are not validated.
import type { JsonSchema } from '../validation.js';

export const RESET_STATE_BODY: JsonSchema = {
  type: 'object',
  properties: {
    'os-resetState': {
      type: 'object',
      properties: { state: { type: 'string', enum: ['active', 'error'] } },
      required: ['state'],
      additionalProperties: false,
    },
  },
  required: ['os-resetState'],
  additionalProperties: false,
};

export interface ResetStateBody {
  readonly 'os-resetState': { readonly state: 'active' | 'error' };
}
