// Query strings. Nova's query schemas see every parameter as a list of
// strings; most parameters use the last value given. Before a resource's
// closing microversion unknown parameters are dropped; after it they are 400.
import { badRequest } from './faults.js';

export type RawQuery = Readonly<Record<string, string | string[] | undefined>>;

export type QueryParamType = 'string' | 'int' | 'nonNegInt' | 'bool' | 'datetime' | 'uuid';

export interface QueryParamSpec {
  readonly type?: QueryParamType;
  readonly enum?: readonly string[];
}

export interface QuerySchema {
  readonly params: Readonly<Record<string, QueryParamSpec>>;
  /** Unknown parameters → 400 (true) or silently dropped (false). */
  readonly strict: boolean;
}

export class Query {
  constructor(private readonly raw: Readonly<Record<string, string[]>>) {}
  has(name: string): boolean {
    return this.raw[name] !== undefined;
  }
  /** The last value given, as Nova uses. */
  get(name: string): string | undefined {
    const v = this.raw[name];
    return v === undefined ? undefined : v[v.length - 1];
  }
  all(name: string): string[] {
    return this.raw[name] ?? [];
  }
  names(): string[] {
    return Object.keys(this.raw);
  }
  entries(): Array<[string, string[]]> {
    return Object.entries(this.raw);
  }
}

export function normaliseQuery(q: RawQuery): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v : [v];
  }
  return out;
}

const RX: Readonly<Record<QueryParamType, RegExp | null>> = {
  string: null,
  int: /^-?\d+$/,
  nonNegInt: /^\d+$/,
  bool: /^(true|false|1|0|yes|no|on|off|t|f|y|n)$/i,
  datetime: /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
};

const TYPE_MSG: Readonly<Record<QueryParamType, string>> = {
  string: '',
  int: 'is not of type integer',
  nonNegInt: 'is not a non-negative integer',
  bool: 'is not a boolean',
  datetime: 'is not a valid date-time',
  uuid: 'is not a valid UUID',
};

/** Validates and filters a query; returns only the parameters the schema knows. */
export function validateQuery(schema: QuerySchema, raw: Readonly<Record<string, string[]>>): Query {
  const kept: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(raw)) {
    const spec = schema.params[name];
    if (!spec) {
      if (schema.strict)
        throw badRequest(`Invalid input for query parameters ${name}. Value: ${values[values.length - 1]}. Additional properties are not allowed ('${name}' was unexpected)`);
      continue;
    }
    for (const v of values) {
      const rx = RX[spec.type ?? 'string'];
      if (rx && !rx.test(v))
        throw badRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' ${TYPE_MSG[spec.type ?? 'string']}`);
      if (spec.enum && !spec.enum.includes(v))
        throw badRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' is not one of ${JSON.stringify(spec.enum).replace(/"/g, "'")}`);
    }
    kept[name] = values;
  }
  return new Query(kept);
}

/** A query kept as given (for routes without a schema). */
export function looseQuery(raw: Readonly<Record<string, string[]>>): Query {
  return new Query(raw);
}

/** Parse an ISO 8601 time for changes-since/changes-before; 400 when it is not one. */
export function parseIsoTime(name: string, v: string): Date {
  const d = RX.datetime!.test(v) ? new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v.replace(' ', 'T')}Z`) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw badRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' is not a 'date-time'`);
  return d;
}
