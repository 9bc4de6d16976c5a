// Request body of os-getConsoleOutput: an optional `length`, an integer or
// integer string from -1 (null or absent = the whole log).
import type { JsonSchema } from '../validation.js';

export const CONSOLE_OUTPUT_BODY: JsonSchema = {
  type: 'object',
  properties: {
    'os-getConsoleOutput': {
      type: 'object',
      properties: {
        length: { type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$', minimum: -1 },
      },
      additionalProperties: false,
    },
  },
  required: ['os-getConsoleOutput'],
  additionalProperties: false,
};

export interface ConsoleOutputBody {
  readonly 'os-getConsoleOutput': { readonly length?: number | string | null };
}
