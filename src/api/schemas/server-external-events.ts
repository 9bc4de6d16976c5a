// Request body of POST /os-server-external-events: the event names each
// microversion knows (volume-extended 2.51, power-update 2.76,
// accelerator-request-bound 2.82, volume-reimaged 2.93).
import type { JsonSchema } from '../validation.js';
import { UUID_PATTERN } from '../validation.js';

const NAMES_21 = ['network-changed', 'network-vif-plugged', 'network-vif-unplugged', 'network-vif-deleted'];

const create = (names: readonly string[]): JsonSchema => ({
  type: 'object',
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', enum: [...names] },
          server_uuid: { type: 'string', pattern: UUID_PATTERN },
          status: { type: 'string', enum: ['failed', 'completed', 'in-progress'] },
          tag: { type: 'string', maxLength: 255 },
        },
        required: ['name', 'server_uuid'],
        additionalProperties: false,
      },
    },
  },
  required: ['events'],
  additionalProperties: false,
});

export const externalEventsV21 = create(NAMES_21);
export const externalEventsV251 = create([...NAMES_21, 'volume-extended']);
export const externalEventsV276 = create([...NAMES_21, 'volume-extended', 'power-update']);
export const externalEventsV282 = create([...NAMES_21, 'volume-extended', 'power-update', 'accelerator-request-bound']);
export const externalEventsV293 = create([...NAMES_21, 'volume-extended', 'power-update', 'accelerator-request-bound', 'volume-reimaged']);

export interface ExternalEvent {
  name: string;
  server_uuid: string;
  status?: string;
  tag?: string;
  code?: number;
}
