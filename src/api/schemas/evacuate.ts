// Bodies of the evacuate action, per microversion range.
import type { JsonSchema } from '../validation.js';
import { BOOLISH, HOSTNAME } from '../validation.js';

function evacuateBody(properties: Record<string, unknown>, required: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    properties: {
      evacuate: {
        type: 'object',
        properties,
        ...(required.length > 0 ? { required } : {}),
        additionalProperties: false,
      },
    },
    required: ['evacuate'],
    additionalProperties: false,
  };
}

const ADMIN_PASS = { type: 'string' } as const;

/** 2.1–2.13: onSharedStorage is required. */
export const evacuateV21 = evacuateBody({ host: HOSTNAME, onSharedStorage: BOOLISH, adminPass: ADMIN_PASS }, ['onSharedStorage']);
/** 2.14–2.28 (and again from 2.68, when `force` is gone). */
export const evacuateV214 = evacuateBody({ host: HOSTNAME, adminPass: ADMIN_PASS });
/** 2.29–2.67: `force` skips the scheduler for a given host. */
export const evacuateV229 = evacuateBody({ host: HOSTNAME, adminPass: ADMIN_PASS, force: BOOLISH });
