// Request bodies of flavor create (POST /flavors) and update (PUT /flavors/{id}, 2.55+).
import { BOOLISH } from '../validation.js';
import type { JsonSchema } from '../validation.js';

/** Printable text that neither starts nor ends with white space. */
const NAME = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^(?![\\s\\p{C}\\p{Zl}\\p{Zp}])[^\\p{C}\\p{Zl}\\p{Zp}]*(?<![\\s\\p{C}\\p{Zl}\\p{Zp}])$',
} as const;

const POSITIVE = { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1, maximum: 0x7fffffff } as const;
const NON_NEGATIVE = { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 0, maximum: 0x7fffffff } as const;

const DESCRIPTION = { type: ['string', 'null'], minLength: 0, maxLength: 65535, pattern: '^[^\\p{C}\\p{Zl}\\p{Zp}]*$' } as const;

const flavorProps = {
  name: NAME,
  id: { type: ['string', 'number', 'null'], minLength: 1, maxLength: 255, pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$' },
  ram: POSITIVE,
  vcpus: POSITIVE,
  disk: NON_NEGATIVE,
  'OS-FLV-EXT-DATA:ephemeral': NON_NEGATIVE,
  swap: NON_NEGATIVE,
  rxtx_factor: { type: ['number', 'string'], pattern: '^[0-9]+(\\.[0-9]+)?$', exclusiveMinimum: 0, maximum: 3.40282e38 },
  'os-flavor-access:is_public': { type: ['boolean', 'string'], ...BOOLISH },
};

function createSchema(props: Record<string, unknown>): JsonSchema {
  return {
    type: 'object',
    properties: {
      flavor: {
        type: 'object',
        properties: props,
        required: ['name', 'ram', 'vcpus', 'disk'],
        additionalProperties: false,
      },
    },
    required: ['flavor'],
    additionalProperties: false,
  };
}

export const flavorCreate = createSchema(flavorProps);
export const flavorCreateV255 = createSchema({ ...flavorProps, description: DESCRIPTION });
const { rxtx_factor: _dropped, ...withoutRxtx } = flavorProps;
void _dropped;
export const flavorCreateV2102 = createSchema({ ...withoutRxtx, description: DESCRIPTION });

export const flavorUpdate: JsonSchema = {
  type: 'object',
  properties: {
    flavor: {
      type: 'object',
      properties: { description: DESCRIPTION },
      required: ['description'],
      additionalProperties: false,
    },
  },
  required: ['flavor'],
  additionalProperties: false,
};
