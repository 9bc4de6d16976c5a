// Request bodies of the createImage and createBackup server actions.
import type { JsonSchema } from '../validation.js';
import { NAME } from './servers.js';

const METADATA = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
  additionalProperties: false,
} as const;
const NON_NEGATIVE_INT = { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 0, minLength: 1 } as const;

export const createImageSchema: JsonSchema = {
  type: 'object',
  properties: {
    createImage: {
      type: 'object',
      properties: { name: NAME, metadata: METADATA },
      required: ['name'],
      additionalProperties: false,
    },
  },
  required: ['createImage'],
  additionalProperties: false,
};

export const createBackupSchema: JsonSchema = {
  type: 'object',
  properties: {
    createBackup: {
      type: 'object',
      properties: { name: NAME, backup_type: { type: 'string' }, rotation: NON_NEGATIVE_INT, metadata: METADATA },
      required: ['name', 'backup_type', 'rotation'],
      additionalProperties: false,
    },
  },
  required: ['createBackup'],
  additionalProperties: false,
};
