// Request bodies as Neutron reads them: one resource under its singular
// name, no attribute it does not know, none it does not accept on that
// method, each converted and checked by its validator.
import { badRequest, invalidAttr } from './errors.js';

export type Method = 'POST' | 'PUT';

export interface AttributeSpec {
  /** Accepted on create / on update. */
  readonly post: boolean;
  readonly put: boolean;
  /** Must be given on create. */
  readonly required?: boolean;
  /** Converts and checks a value; throws a 400 when it is not acceptable. */
  readonly check?: (value: unknown, attr: string) => unknown;
}

export function resourceBody(body: unknown, singular: string): Record<string, unknown> {
  if (body === undefined || body === null || body === '') throw badRequest('Resource body required');
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('Body contains invalid data');
  const inner = (body as Record<string, unknown>)[singular];
  if (inner === undefined) throw badRequest(`Unable to find '${singular}' in request body`);
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw badRequest('Body contains invalid data');
  return inner as Record<string, unknown>;
}

export function checkedAttributes(inner: Record<string, unknown>, specs: Readonly<Record<string, AttributeSpec>>, method: Method): Record<string, unknown> {
  const unknown = Object.keys(inner).filter((k) => !(k in specs));
  if (unknown.length > 0) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(inner)) {
    const spec = specs[name]!;
    if (method === 'POST' && !spec.post) throw badRequest(`Attribute '${name}' not allowed in POST`);
    if (method === 'PUT' && !spec.put) throw badRequest(`Cannot update read-only attribute ${name}`);
    out[name] = spec.check ? spec.check(value, name) : value;
  }
  if (method === 'POST') {
    for (const [name, spec] of Object.entries(specs)) {
      if (spec.required && !(name in out)) throw badRequest(`Failed to parse request. Required attribute '${name}' not specified`);
    }
  }
  // tenant_id and project_id name one thing; either may be given.
  if ('tenant_id' in out && 'project_id' in out && out['tenant_id'] !== out['project_id']) {
    throw badRequest("'project_id' and 'tenant_id' do not match");
  }
  if ('tenant_id' in out) {
    out['project_id'] = out['tenant_id'];
    delete out['tenant_id'];
  }
  return out;
}

// Validators, worded as neutron-lib's.
/** A value as the validators' messages quote it. */
export const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** A number as Python's int() reads it (truncated; booleans 0/1; digit strings), NaN where int() refuses it. */
export const pythonInt = (v: unknown): number =>
  typeof v === 'number' ? Math.trunc(v) : typeof v === 'boolean' ? Number(v) : typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : NaN;

export const str =
  (max = 255) =>
  (v: unknown, attr: string): string => {
    if (typeof v !== 'string') throw invalidAttr(attr, `'${show(v)}' is not a valid string`);
    if (v.length > max) throw invalidAttr(attr, `'${v}' exceeds maximum length of ${max}`);
    return v;
  };

export function bool(v: unknown, attr: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string' && ['true', 'false', '1', '0'].includes(v.toLowerCase())) return ['true', '1'].includes(v.toLowerCase());
  throw invalidAttr(attr, `'${show(v)}' is not a valid boolean value`);
}

export function nonNegativeInt(v: unknown, attr: string): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidAttr(attr, `'${show(v)}' is not an integer`);
  if (n < 0) throw invalidAttr(attr, `'${n}' should be non-negative`);
  return n;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function uuid(v: unknown, attr: string): string {
  if (typeof v !== 'string' || !UUID.test(v)) throw invalidAttr(attr, `'${show(v)}' is not a valid UUID`);
  return v;
}

export function projectId(v: unknown, attr: string): string {
  return str(255)(v, attr);
}

export function stringList(v: unknown, attr: string): string[] {
  if (!Array.isArray(v)) throw invalidAttr(attr, `'${show(v)}' is not a list`);
  for (const s of v) if (typeof s !== 'string') throw invalidAttr(attr, `'${show(s)}' is not a valid string`);
  if (new Set(v).size !== v.length) throw invalidAttr(attr, `Duplicate items in the list: '${v.join(', ')}'`);
  return v as string[];
}

export function dict(v: unknown, attr: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidAttr(attr, `'${show(v)}' is not a dictionary`);
  return v as Record<string, unknown>;
}

/** `name`, `description`: strings; `tenant_id`/`project_id` admins may set. */
export const STANDARD_ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  name: { post: true, put: true, check: str(255) },
  description: { post: true, put: true, check: str(255) },
  tenant_id: { post: true, put: false, check: projectId },
  project_id: { post: true, put: false, check: projectId },
};
