// Bodies of POST /magnetar/hosts/{host}/action: {"stop": null}, {"crash": null}, {"start": null}.
import type { JsonSchema } from '../validation.js';
import type { HostAction } from '../../compute/host-lifecycle.js';

export function hostActionBody(action: HostAction): JsonSchema {
  return { type: 'object', properties: { [action]: { type: 'null' } }, required: [action], additionalProperties: false };
}
