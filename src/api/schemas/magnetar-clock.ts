// Body of POST /magnetar/clock: {"advance": <seconds, 0 to 10 years>}.
import type { JsonSchema } from '../validation.js';

export const MAX_ADVANCE_SECONDS = 10 * 366 * 24 * 3600;

export const clockAdvanceBody: JsonSchema = {
  type: 'object',
  properties: { advance: { type: 'number', minimum: 0, maximum: MAX_ADVANCE_SECONDS } },
  required: ['advance'],
  additionalProperties: false,
};
