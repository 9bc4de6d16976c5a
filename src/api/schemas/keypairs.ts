// Request schemas of /os-keypairs: the create body per microversion (type
// from 2.2, user_id from 2.10, public_key required and a wider name
// alphabet from 2.92) and the query parameters of list, show and delete.
import type { JsonSchema } from '../validation.js';
import type { Versioned } from '../router.js';
import type { QuerySchema } from '../query.js';
import type { ApiVersion } from '../microversion.js';
import { badRequest } from '../faults.js';

const keypairName = (pattern: string) => ({ type: 'string', minLength: 1, maxLength: 255, pattern }) as const;
const NAME = keypairName('^[_\\- a-zA-Z0-9]+$');
const NAME_V292 = keypairName('^[_\\-@. a-zA-Z0-9]+$');
const TYPE = { type: 'string', enum: ['ssh', 'x509'] } as const;

function createSchema(props: Record<string, unknown>, required: readonly string[] = ['name']): JsonSchema {
  return {
    type: 'object',
    properties: {
      keypair: { type: 'object', properties: { public_key: { type: 'string' }, ...props }, required, additionalProperties: false },
    },
    required: ['keypair'],
    additionalProperties: false,
  };
}

const CREATE_V21 = createSchema({ name: NAME });
const CREATE_V22 = createSchema({ name: NAME, type: TYPE });
const CREATE_V210 = createSchema({ name: NAME, type: TYPE, user_id: { type: 'string' } });
const CREATE_V292 = createSchema({ name: NAME_V292, type: TYPE, user_id: { type: 'string' } }, ['name', 'public_key']);

export function keypairCreateSchema(v: ApiVersion): JsonSchema {
  if (v.atLeast('2.92')) return CREATE_V292;
  if (v.atLeast('2.10')) return CREATE_V210;
  if (v.atLeast('2.2')) return CREATE_V22;
  return CREATE_V21;
}

export interface KeypairCreateBody {
  readonly keypair: {
    readonly name: string;
    readonly public_key?: string;
    readonly type?: 'ssh' | 'x509';
    readonly user_id?: string;
  };
}

// Nova's `name` format: printable characters (of the Basic Multilingual
// Plane), not starting or ending with whitespace. It is checked before the
// rest of the body, so its message wins over the name's pattern.
const printable = (c: string): boolean => c.codePointAt(0)! < 0xffff && !/[\p{C}\p{Zl}\p{Zp}]/u.test(c);
const solid = (c: string): boolean => printable(c) && !/\p{Zs}/u.test(c);

export function isValidName(s: string): boolean {
  const chars = [...s];
  if (!chars.every(printable)) return false;
  return chars.length === 0 || (solid(chars[0]!) && solid(chars[chars.length - 1]!));
}

/** 400 `An invalid 'name' value was provided…` for a string name that breaks the name format. */
export function checkKeypairNameFormat(body: unknown): void {
  const kp = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)['keypair'] : undefined;
  const name = kp !== null && typeof kp === 'object' ? (kp as Record<string, unknown>)['name'] : undefined;
  if (typeof name === 'string' && !isValidName(name))
    throw badRequest("An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.");
}

const USER: QuerySchema = { params: { user_id: {} }, strict: false };
const NONE: QuerySchema = { params: {}, strict: false };

export const KEYPAIR_LIST_QUERY: readonly Versioned<QuerySchema>[] = [
  { max: '2.9', schema: NONE },
  { min: '2.10', max: '2.34', schema: USER },
  { min: '2.35', max: '2.74', schema: { params: { user_id: {}, limit: { type: 'nonNegInt' }, marker: {} }, strict: false } },
  { min: '2.75', schema: { params: { user_id: {}, limit: { type: 'nonNegInt' }, marker: {} }, strict: true } },
];

export const KEYPAIR_ITEM_QUERY: readonly Versioned<QuerySchema>[] = [
  { max: '2.9', schema: NONE },
  { min: '2.10', max: '2.74', schema: USER },
  { min: '2.75', schema: { params: { user_id: {} }, strict: true } },
];
