// Bodies of /flavors/{flavor_id}/os-extra_specs: keys of safe characters,
// values strings or numbers of at most 255 characters.
import type { JsonSchema } from '../validation.js';

const SPECS = {
  type: 'object',
  patternProperties: {
    '^[a-zA-Z0-9-_:. ]{1,255}$': { type: ['string', 'number'], maxLength: 255 },
  },
  additionalProperties: false,
} as const;

export const extraSpecsCreate: JsonSchema = {
  type: 'object',
  properties: { extra_specs: SPECS },
  required: ['extra_specs'],
  additionalProperties: false,
};

/** PUT /os-extra_specs/{key}: exactly one key. */
export const extraSpecUpdate: JsonSchema = { ...SPECS, minProperties: 1, maxProperties: 1 };
