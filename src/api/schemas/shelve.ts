// Request bodies of the shelve, shelveOffload and unshelve server actions.
import type { JsonSchema } from '../validation.js';
import { NAME } from './servers.js';

/** The action's one key with any value: Nova does not look at it. */
const anyValue = (key: string): JsonSchema => ({
  type: 'object',
  properties: { [key]: {} },
  required: [key],
  additionalProperties: false,
});

export const shelveSchema = anyValue('shelve');
export const shelveOffloadSchema = anyValue('shelveOffload');
/** 2.1–2.76: any value (the body was `{"unshelve": null}`). */
export const unshelveSchema = anyValue('unshelve');

/** 2.77–2.90: null, or an availability zone (required when the object is given). */
export const unshelveV277Schema: JsonSchema = {
  type: 'object',
  properties: {
    unshelve: {
      type: ['object', 'null'],
      properties: { availability_zone: NAME },
      required: ['availability_zone'],
      additionalProperties: false,
    },
  },
  required: ['unshelve'],
  additionalProperties: false,
};

/** From 2.91: null, or a zone (null unpins) and/or a host. */
export const unshelveV291Schema: JsonSchema = {
  type: 'object',
  properties: {
    unshelve: {
      type: ['object', 'null'],
      properties: {
        availability_zone: { type: ['string', 'null'] },
        host: { type: 'string' },
      },
      additionalProperties: false,
    },
  },
  required: ['unshelve'],
  additionalProperties: false,
};
