// os-aggregates request bodies and queries (Nova's schemas/aggregates.py and
// aggregate_images.py). Formats are spelled as patterns; the name formats'
// own message is given by checkAggregateNameFormats before the schema runs,
// as Nova's format checker reports it.
import { badRequest } from '../faults.js';
import { HOSTNAME, UUID_PATTERN, type JsonSchema } from '../validation.js';
import type { QuerySchema } from '../query.js';
import type { Versioned } from '../router.js';

// Printable: no control, format, surrogate or unassigned characters, no line or
// paragraph separators, and only characters of the Basic Multilingual Plane.
const PRINTABLE = '[^\\p{C}\\p{Zl}\\p{Zp}\\u{10000}-\\u{10FFFF}]';
const SOLID = '[^\\p{C}\\p{Z}\\u{10000}-\\u{10FFFF}]';
const PRINTABLE_NO_COLON = '[^:\\p{C}\\p{Zl}\\p{Zp}\\u{10000}-\\u{10FFFF}]';
const SOLID_NO_COLON = '[^:\\p{C}\\p{Z}\\u{10000}-\\u{10FFFF}]';

/** Nova's `name` format: printable, not starting or ending with white space. */
const NAME_RX = new RegExp(`^(?:${SOLID}(?:${PRINTABLE}*${SOLID})?)?$`, 'u');
/** `name_with_leading_trailing_spaces`: printable with at least one non-space character. */
const NAME_SPACES_RX = new RegExp(`^${PRINTABLE}*${SOLID}${PRINTABLE}*$`, 'u');
/** `az_name`: as `name`, without ':'. */
const AZ_RX = new RegExp(`^(?:${SOLID_NO_COLON}(?:${PRINTABLE_NO_COLON}*${SOLID_NO_COLON})?)?$`, 'u');

const INVALID_NAME = "An invalid 'name' value was provided. The name must be: ";
const NAME_REASON = 'printable characters. Can not start or end with whitespace.';
const NAME_SPACES_REASON = 'printable characters with at least one non space character';
// Nova's reason text, its missing space included.
const AZ_REASON = 'printable characters except :.Can not start or end with whitespace.';

const str = { type: 'string', minLength: 1, maxLength: 255 } as const;
const ZONE = { oneOf: [str, { type: 'null' }] } as const;

/**
 * The name formats, checked before the rest of the body as Nova's format
 * checker reports them: `name` (and the zone) on create, the looser
 * `name_with_leading_trailing_spaces` on update.
 */
export function checkAggregateNameFormats(body: unknown, kind: 'create' | 'update'): void {
  const agg = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)['aggregate'] : undefined;
  if (agg === null || typeof agg !== 'object') return;
  const { name, availability_zone: zone } = agg as Record<string, unknown>;
  if (typeof name === 'string') {
    if (kind === 'create' && !NAME_RX.test(name)) throw badRequest(INVALID_NAME + NAME_REASON);
    if (kind === 'update' && name.length > 0 && !NAME_SPACES_RX.test(name)) throw badRequest(INVALID_NAME + NAME_SPACES_REASON);
  }
  if (typeof zone === 'string' && !AZ_RX.test(zone)) throw badRequest(INVALID_NAME + AZ_REASON);
}

export const AGGREGATE_CREATE: JsonSchema = {
  type: 'object',
  properties: {
    aggregate: {
      type: 'object',
      properties: { name: str, availability_zone: ZONE },
      required: ['name'],
      additionalProperties: false,
    },
  },
  required: ['aggregate'],
  additionalProperties: false,
};

export const AGGREGATE_UPDATE: JsonSchema = {
  type: 'object',
  properties: {
    aggregate: {
      type: 'object',
      properties: { name: str, availability_zone: ZONE },
      additionalProperties: false,
      anyOf: [{ required: ['name'] }, { required: ['availability_zone'] }],
    },
  },
  required: ['aggregate'],
  additionalProperties: false,
};

const hostAction = (action: string): JsonSchema => ({
  type: 'object',
  properties: {
    [action]: {
      type: 'object',
      properties: { host: HOSTNAME },
      required: ['host'],
      additionalProperties: false,
    },
  },
  required: [action],
  additionalProperties: false,
});

export const ADD_HOST = hostAction('add_host');
export const REMOVE_HOST = hostAction('remove_host');

export const SET_METADATA: JsonSchema = {
  type: 'object',
  properties: {
    set_metadata: {
      type: 'object',
      properties: {
        metadata: {
          type: 'object',
          patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: ['string', 'null'], maxLength: 255 } },
          additionalProperties: false,
        },
      },
      required: ['metadata'],
      additionalProperties: false,
    },
  },
  required: ['set_metadata'],
  additionalProperties: false,
};

/** POST /os-aggregates/{id}/images (2.81). */
export const CACHE_IMAGES: JsonSchema = {
  type: 'object',
  properties: {
    cache: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: { id: { type: 'string', pattern: UUID_PATTERN } },
        additionalProperties: false,
        required: ['id'],
      },
    },
  },
  required: ['cache'],
  additionalProperties: false,
};

/** List and show take no parameters; unknown ones are refused from 2.102. */
export const AGGREGATE_QUERY: readonly Versioned<QuerySchema>[] = [
  { max: '2.101', schema: { params: {}, strict: false } },
  { min: '2.102', schema: { params: {}, strict: true } },
];
