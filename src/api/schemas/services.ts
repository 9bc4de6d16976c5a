// os-services: PUT bodies per version range (action-named PUTs before 2.53,
// PUT by uuid from 2.53) and the list's query string.
import { BOOLISH, HOSTNAME } from '../validation.js';
import type { JsonSchema } from '../validation.js';
import type { QuerySchema } from '../query.js';

const REASON = { type: 'string', minLength: 1, maxLength: 255 } as const;
const BOOLEAN = { type: ['boolean', 'string'], ...BOOLISH } as const;

export const serviceUpdate: JsonSchema = {
  type: 'object',
  properties: { host: HOSTNAME, binary: { type: 'string', minLength: 1, maxLength: 255 }, disabled_reason: REASON },
  required: ['host', 'binary'],
  additionalProperties: false,
};

export const serviceUpdateV211: JsonSchema = {
  type: 'object',
  properties: { host: HOSTNAME, binary: { type: 'string', minLength: 1, maxLength: 255 }, disabled_reason: REASON, forced_down: BOOLEAN },
  required: ['host', 'binary'],
  additionalProperties: false,
};

export const serviceUpdateV253: JsonSchema = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['enabled', 'disabled'] }, disabled_reason: REASON, forced_down: BOOLEAN },
  additionalProperties: false,
};

const params = { host: {}, binary: {} } as const;
export const serviceIndexQuery: QuerySchema = { params, strict: false };
export const serviceIndexQueryV275: QuerySchema = { params, strict: true };
