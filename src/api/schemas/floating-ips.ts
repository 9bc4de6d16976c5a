// Request bodies of os-floating-ips and of the addFloatingIp and
// removeFloatingIp server actions. Addresses are checked here as Nova's
// `ip_address` type does (ajv here does not check formats).
import { isIP } from 'node:net';
import type { JsonSchema } from '../validation.js';
import { badRequest } from '../faults.js';

export const ALLOCATE_BODY: JsonSchema = {
  type: ['object', 'null'],
  properties: { pool: { type: ['string', 'null'] } },
};

export interface AllocateBody {
  readonly pool?: string | null;
}

const ADDRESS = { type: 'string' } as const;

export const ADD_FLOATING_IP_BODY: JsonSchema = {
  type: 'object',
  properties: {
    addFloatingIp: {
      type: 'object',
      properties: { address: ADDRESS, fixed_address: ADDRESS },
      required: ['address'],
      additionalProperties: false,
    },
  },
  required: ['addFloatingIp'],
  additionalProperties: false,
};

export const REMOVE_FLOATING_IP_BODY: JsonSchema = {
  type: 'object',
  properties: {
    removeFloatingIp: {
      type: 'object',
      properties: { address: ADDRESS },
      required: ['address'],
      additionalProperties: false,
    },
  },
  required: ['removeFloatingIp'],
  additionalProperties: false,
};

export interface AddFloatingIpBody {
  readonly addFloatingIp: { readonly address: string; readonly fixed_address?: string };
}

export interface RemoveFloatingIpBody {
  readonly removeFloatingIp: { readonly address: string };
}

/** An IPv4 or IPv6 address, with the message Nova's oneOf of the two formats gives. */
export function checkAddress(field: string, value: string | undefined): void {
  if (value === undefined || isIP(value) !== 0) return;
  throw badRequest(`Invalid input for field/attribute ${field}. Value: ${value}. '${value}' is not valid under any of the given schemas`);
}
