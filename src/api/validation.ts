// Request-body validation with Nova's messages. Schemas are JSON Schema
// (draft-07, as ajv speaks it); errors are rendered the way Nova's validator
// renders them: the innermost field name, the offending value, the reason.
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { pyRepr } from './pyrepr.js';
import { badRequest } from './faults.js';

type AjvClass = typeof AjvModule.default;
const Ajv = (AjvModule as unknown as { default: AjvClass }).default ?? (AjvModule as unknown as AjvClass);
const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });

export type JsonSchema = Readonly<Record<string, unknown>>;

const compiled = new WeakMap<object, ValidateFunction>();

function compile(schema: JsonSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema as Record<string, unknown>);
    compiled.set(schema, fn);
  }
  return fn;
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const k = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function reason(e: ErrorObject, value: unknown): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${pyRepr(p['missingProperty'])} is a required property`;
    case 'additionalProperties':
      return `Additional properties are not allowed (${pyRepr(p['additionalProperty'])} was unexpected)`;
    case 'enum':
      return `${pyRepr(value)} is not one of ${pyRepr(p['allowedValues'])}`;
    case 'type': {
      const t = p['type'];
      return `${pyRepr(value)} is not of type ${Array.isArray(t) ? t.map((x) => pyRepr(x)).join(', ') : pyRepr(t)}`;
    }
    case 'minLength':
      return `${pyRepr(value)} is too short`;
    case 'maxLength':
      return `${pyRepr(value)} is too long`;
    case 'pattern':
      return `${pyRepr(value)} does not match ${pyRepr(p['pattern'])}`;
    case 'minimum':
      return `${pyRepr(value)} is less than the minimum of ${pyRepr(p['limit'])}`;
    case 'maximum':
      return `${pyRepr(value)} is greater than the maximum of ${pyRepr(p['limit'])}`;
    case 'minItems':
      return `${pyRepr(value)} is too short`;
    case 'maxItems':
      return `${pyRepr(value)} is too long`;
    case 'uniqueItems':
      return `${pyRepr(value)} has non-unique elements`;
    case 'minProperties':
      return `${pyRepr(value)} does not have enough properties`;
    case 'maxProperties':
      return `${pyRepr(value)} has too many properties`;
    case 'oneOf':
    case 'anyOf':
      return `${pyRepr(value)} is not valid under any of the given schemas`;
    case 'not':
      return `${pyRepr(value)} should not be valid under the given schema`;
    default:
      return e.message ?? 'is invalid';
  }
}

/** Throws a 400 HttpFault with Nova's message if `body` does not match. */
export function validateBody(schema: JsonSchema, body: unknown): void {
  const fn = compile(schema);
  if (fn(body)) return;
  const errors = fn.errors ?? [];
  const first = errors[0];
  if (!first) throw badRequest('Invalid input.');
  // A failure inside a oneOf/anyOf branch is reported, as jsonschema reports
  // it, by the outermost oneOf/anyOf that contains it.
  const composite = errors
    .filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && first.schemaPath.startsWith(`${e.schemaPath}/`))
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length)[0];
  const err = composite ?? first;
  // For 'required' and 'additionalProperties' the failing value is the object itself.
  const path = err.instancePath;
  const value = valueAt(body, path);
  const msg = reason(err, value);
  if (path === '') throw badRequest(msg);
  const parts = path.split('/');
  let leaf = parts[parts.length - 1]!.replace(/~1/g, '/').replace(/~0/g, '~');
  // Array items are reported by their containing property's name.
  for (let i = parts.length - 1; i > 0 && /^\d+$/.test(leaf); i--) leaf = parts[i - 1]!;
  // The value is shown as Python's str() shows it: strings bare, everything else as its repr.
  throw badRequest(`Invalid input for field/attribute ${leaf}. Value: ${typeof value === 'string' ? value : pyRepr(value)}. ${msg}`);
}

// Shared parameter types, as Nova's schemas define them.
export const BOOLISH = {
  enum: [true, false, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
} as const;
export const HOSTNAME = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' } as const;
export const HOSTNAME_OR_NULL = { type: ['string', 'null'], minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' } as const;
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';

export function boolish(v: unknown): boolean {
  return v === true || (typeof v === 'string' && ['true', '1', 'on', 'yes'].includes(v.toLowerCase()));
}
