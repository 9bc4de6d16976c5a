// Request bodies of the identity admin routes, checked as Keystone's JSON
// schemas check them (names 1-64 or 1-255 characters with a non-blank one,
// booleans, tags) and with Keystone's wording: "Invalid input for field
// 'name': ...". Attributes outside the schema are kept as given, as Keystone
// keeps them.
import { invalid } from './errors.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const pyRepr = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : v === null ? 'None' : v === true ? 'True' : v === false ? 'False' : JSON.stringify(v));

const field = (name: string, why: string) => invalid(`Invalid input for field '${name}': ${why}`);

/** The object under `key`; an absent one is `{}`, as Keystone reads it. */
function envelope(body: unknown, key: string): Obj {
  const inner = isObj(body) ? (body[key] ?? {}) : body;
  if (!isObj(inner)) throw invalid(`${pyRepr(inner)} is not of type 'object'`);
  return inner;
}

function name(o: Obj, max: number): string | undefined {
  const v = o.name;
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw field('name', `${pyRepr(v)} is not of type 'string'`);
  if (v.length < 1) throw field('name', `${pyRepr(v)} should be non-empty`);
  if (v.length > max) throw field('name', `${pyRepr(v)} is too long`);
  if (!/\S/.test(v)) throw field('name', `${pyRepr(v)} does not match '[\\S]+'`);
  return v;
}

function bool(o: Obj, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw field(key, `${pyRepr(v)} is not of type 'boolean'`);
  return v;
}

function nullableString(o: Obj, key: string): string | null | undefined {
  const v = o[key];
  if (v === undefined || v === null) return v;
  if (typeof v !== 'string') throw field(key, `${pyRepr(v)} is not of type 'string', 'null'`);
  return v;
}

/** Keystone's id strings: 1-64 of letters, digits and '-'. */
function idString(o: Obj, key: string): string | null | undefined {
  const v = nullableString(o, key);
  if (typeof v === 'string' && !/^[a-zA-Z0-9-]{1,64}$/.test(v)) throw field(key, `${pyRepr(v)} does not match '^[a-zA-Z0-9-]+$'`);
  return v;
}

function tags(o: Obj): string[] | undefined {
  const v = o.tags;
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw field('tags', `${pyRepr(v)} is not of type 'array'`);
  if (v.length > 80) throw field('tags', `${pyRepr(v)} is too long`);
  v.forEach((t, i) => {
    if (typeof t !== 'string') throw field(`tags/${i}`, `${pyRepr(t)} is not of type 'string'`);
    if (t.length < 1 || t.length > 255) throw field(`tags/${i}`, `${pyRepr(t)} is ${t.length < 1 ? 'too short' : 'too long'}`);
    if (/[,/]/.test(t)) throw field(`tags/${i}`, `${pyRepr(t)} does not match '^[^,/]*$'`);
  });
  if (new Set(v).size !== v.length) throw field('tags', `${pyRepr(v)} has non-unique elements`);
  return v as string[];
}

/** What is left of the body once the schema's own attributes are taken out. */
function extra(o: Obj, own: readonly string[]): Obj {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !own.includes(k) && k !== 'id' && k !== 'links'));
}

const PROJECT_FIELDS = ['name', 'description', 'domain_id', 'enabled', 'is_domain', 'parent_id', 'tags', 'options'] as const;

export interface ProjectBody {
  readonly name?: string | undefined;
  readonly description?: string | null | undefined;
  readonly domainId?: string | null | undefined;
  readonly enabled?: boolean | undefined;
  readonly isDomain?: boolean | undefined;
  readonly parentId?: string | null | undefined;
  readonly tags?: string[] | undefined;
  readonly extra: Obj;
}

function projectBody(o: Obj): ProjectBody {
  const description = nullableString(o, 'description');
  return {
    name: name(o, 64),
    description,
    domainId: idString(o, 'domain_id'),
    enabled: bool(o, 'enabled'),
    isDomain: bool(o, 'is_domain'),
    parentId: idString(o, 'parent_id'),
    tags: tags(o),
    extra: extra(o, PROJECT_FIELDS),
  };
}

export function readProjectCreate(body: unknown): ProjectBody & { readonly name: string } {
  const o = envelope(body, 'project');
  const p = projectBody(o);
  if (p.name === undefined) throw invalid("'name' is a required property");
  return { ...p, name: p.name };
}

export function readProjectUpdate(body: unknown): ProjectBody {
  const o = envelope(body, 'project');
  if (Object.keys(o).length === 0) throw invalid('{} does not have enough properties');
  return projectBody(o);
}

const USER_FIELDS = ['name', 'domain_id', 'default_project_id', 'enabled', 'password', 'options', 'federated'] as const;

export interface UserBody {
  readonly name?: string | undefined;
  readonly domainId?: string | null | undefined;
  readonly defaultProjectId?: string | null | undefined;
  readonly enabled?: boolean | undefined;
  readonly password?: string | null | undefined;
  readonly extra: Obj;
}

function userBody(o: Obj): UserBody {
  const defaultProjectId = nullableString(o, 'default_project_id');
  const domainId = o.domain_id;
  if (domainId !== undefined && typeof domainId !== 'string') throw field('domain_id', `${pyRepr(domainId)} is not of type 'string'`);
  nullableString(o, 'description');
  return {
    name: name(o, 255),
    domainId,
    defaultProjectId,
    enabled: bool(o, 'enabled'),
    password: nullableString(o, 'password'),
    extra: extra(o, USER_FIELDS),
  };
}

export function readUserCreate(body: unknown): UserBody & { readonly name: string } {
  const o = envelope(body, 'user');
  const u = userBody(o);
  if (u.name === undefined) throw invalid("'name' is a required property");
  return { ...u, name: u.name };
}

export function readUserUpdate(body: unknown): UserBody {
  const o = envelope(body, 'user');
  if (Object.keys(o).length === 0) throw invalid('{} does not have enough properties');
  return userBody(o);
}

export interface RoleBody {
  readonly name: string;
  readonly description: string | null;
  readonly domainId: string | null;
}

export function readRoleCreate(body: unknown): RoleBody {
  const o = envelope(body, 'role');
  const n = name(o, 255);
  if (n === undefined) throw invalid("'name' is a required property");
  return { name: n, description: nullableString(o, 'description') ?? null, domainId: idString(o, 'domain_id') ?? null };
}
