// {"trigger_crash_dump": null}: the action takes nothing.
import type { JsonSchema } from '../validation.js';

export const triggerCrashDumpSchema: JsonSchema = {
  type: 'object',
  properties: { trigger_crash_dump: { type: 'null' } },
  required: ['trigger_crash_dump'],
  additionalProperties: false,
};
