// Request bodies of os-interface (Nova's attach_interfaces schemas): a
// network or a port, one fixed IP, and from 2.49 a tag.
import type { JsonSchema } from '../validation.js';
import { UUID_PATTERN } from '../validation.js';

const UUID = { type: 'string', pattern: UUID_PATTERN } as const;
const IPV4 = '^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$';
const IPV6 = '^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$';
const TAG = { type: 'string', pattern: '^[^,/]*$', minLength: 1, maxLength: 60 } as const;

function attachBody(withTag: boolean): JsonSchema {
  return {
    type: 'object',
    properties: {
      interfaceAttachment: {
        type: 'object',
        properties: {
          net_id: UUID,
          port_id: UUID,
          fixed_ips: {
            type: 'array',
            minItems: 1,
            maxItems: 1,
            items: {
              type: 'object',
              properties: { ip_address: { type: 'string', anyOf: [{ pattern: IPV4 }, { pattern: IPV6 }] } },
              required: ['ip_address'],
              additionalProperties: false,
            },
          },
          ...(withTag && { tag: TAG }),
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  } as JsonSchema;
}

export const ATTACH_BODY = [
  { max: '2.48', schema: attachBody(false) },
  { min: '2.49', schema: attachBody(true) },
];
