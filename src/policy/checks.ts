import type { Credentials } from './credentials.js';

/**
 * A right-hand side such as `%(project_id)s` or `admin`, split once at parse
 * time so evaluation only looks values up. `null` parts are literal text.
 */
export interface Template {
  /** Set when the text has no `%(key)s` placeholder: compared as is. */
  readonly constant: string | null;
  readonly literals: readonly string[];
  readonly keys: readonly string[];
}

/** A compiled check string. Trees are immutable and shared between rules. */
export type Check =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'not'; readonly check: Check }
  | { readonly kind: 'and'; readonly checks: readonly Check[] }
  | { readonly kind: 'or'; readonly checks: readonly Check[] }
  | { readonly kind: 'rule'; readonly name: string }
  | { readonly kind: 'role'; readonly match: Template }
  | { readonly kind: 'is_admin'; readonly expected: boolean; readonly text: string }
  | {
      readonly kind: 'generic';
      readonly left: string;
      /** Dotted path into the credentials, or null when the left side is a literal. */
      readonly path: readonly string[] | null;
      /** The literal's string form when `path` is null. */
      readonly literal: string;
      readonly match: Template;
    };

/** What evaluation needs from the enforcer: other rules, and the caller's admin flag. */
export interface CheckResolver {
  ruleCheck(name: string): Check | undefined;
  callerIsAdmin(creds: Credentials): boolean;
}

export const TRUE_CHECK: Check = Object.freeze({ kind: 'true' });
export const FALSE_CHECK: Check = Object.freeze({ kind: 'false' });

/** Rules referring to each other in a loop must not overflow the stack; deny instead. */
const MAX_RULE_DEPTH = 32;

const PLACEHOLDER = /%\(([^)]*)\)s|%%/g;

export function compileTemplate(text: string): Template {
  const literals: string[] = [];
  const keys: string[] = [];
  let last = 0;
  let pending = '';
  for (const m of text.matchAll(PLACEHOLDER)) {
    const at = m.index ?? 0;
    pending += text.slice(last, at);
    last = at + m[0].length;
    if (m[0] === '%%') {
      pending += '%';
      continue;
    }
    literals.push(pending);
    keys.push(m[1] ?? '');
    pending = '';
  }
  pending += text.slice(last);
  literals.push(pending);
  return { constant: keys.length === 0 ? pending : null, literals, keys };
}

/** Text form of a value as the policy language compares it (`True`, `None`, `42`). */
export function policyString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** A target value by exact key, falling back to a dotted path into nested objects. */
function targetValue(target: Record<string, unknown>, key: string): unknown {
  if (Object.prototype.hasOwnProperty.call(target, key)) return target[key];
  if (!key.includes('.')) return undefined;
  let value: unknown = target;
  for (const segment of key.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Fills a template from the target; undefined when a placeholder's key is missing. */
export function formatTemplate(t: Template, target: Record<string, unknown>): string | undefined {
  if (t.constant !== null) return t.constant;
  let out = t.literals[0] ?? '';
  for (let i = 0; i < t.keys.length; i++) {
    const value = targetValue(target, t.keys[i] as string);
    if (value === undefined) return undefined;
    out += policyString(value) + (t.literals[i + 1] ?? '');
  }
  return out;
}

function hasRole(roles: readonly string[], wanted: string): boolean {
  const lower = wanted.toLowerCase();
  for (const role of roles) {
    if (role === wanted || role.toLowerCase() === lower) return true;
  }
  return false;
}

/** Credential value at a dotted path; undefined when any segment is absent. */
function credentialValue(creds: Credentials, path: readonly string[]): unknown {
  let value: unknown = creds;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** A credential matches when it (or, for a list, any element) has the wanted string form. */
function credentialMatches(value: unknown, wanted: string): boolean {
  // An absent or null credential never matches: a token without a project
  // must not satisfy `project_id:%(project_id)s` for an ownerless target.
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) {
    for (const element of value) {
      if (element !== null && element !== undefined && policyString(element) === wanted) return true;
    }
    return false;
  }
  return policyString(value) === wanted;
}

export function evaluateCheck(
  check: Check,
  target: Record<string, unknown>,
  creds: Credentials,
  resolver: CheckResolver,
  depth = 0,
): boolean {
  switch (check.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'not':
      return !evaluateCheck(check.check, target, creds, resolver, depth);
    case 'and':
      for (const c of check.checks) if (!evaluateCheck(c, target, creds, resolver, depth)) return false;
      return true;
    case 'or':
      for (const c of check.checks) if (evaluateCheck(c, target, creds, resolver, depth)) return true;
      return false;
    case 'rule': {
      if (depth >= MAX_RULE_DEPTH) return false;
      const referenced = resolver.ruleCheck(check.name);
      return referenced !== undefined && evaluateCheck(referenced, target, creds, resolver, depth + 1);
    }
    case 'role': {
      const wanted = formatTemplate(check.match, target);
      return wanted !== undefined && hasRole(creds.roles, wanted);
    }
    case 'is_admin':
      return resolver.callerIsAdmin(creds) === check.expected;
    case 'generic': {
      const wanted = formatTemplate(check.match, target);
      if (wanted === undefined) return false;
      if (check.path === null) return check.literal === wanted;
      return credentialMatches(credentialValue(creds, check.path), wanted);
    }
  }
}

/** Canonical text of a check, so two spellings of the same rule compare equal. */
export function describeCheck(check: Check): string {
  switch (check.kind) {
    case 'true':
      return '@';
    case 'false':
      return '!';
    case 'not':
      return `not ${describeCheck(check.check)}`;
    case 'and':
    case 'or':
      return `(${check.checks.map(describeCheck).join(` ${check.kind} `)})`;
    case 'rule':
      return `rule:${check.name}`;
    case 'role':
      return `role:${templateText(check.match)}`;
    case 'is_admin':
      return `is_admin:${check.text}`;
    case 'generic':
      return `${check.left}:${templateText(check.match)}`;
  }
}

function templateText(t: Template): string {
  if (t.constant !== null) return t.constant.replaceAll('%', '%%');
  let out = (t.literals[0] ?? '').replaceAll('%', '%%');
  for (let i = 0; i < t.keys.length; i++) {
    out += `%(${t.keys[i]})s` + (t.literals[i + 1] ?? '').replaceAll('%', '%%');
  }
  return out;
}
