// What the edge of every HTTP API refuses before a handler sees it: a URL
// that is not percent-encoded UTF-8 or that decodes to a NUL, and a JSON body
// that is not UTF-8, nests too deep, or holds a NUL or an unpaired surrogate
// in a key or a string. PostgreSQL refuses NUL in text and the validation
// messages recurse into the body, so without these checks such input ends in
// a 500 (or in the database) depending on where it first lands.
// Pure functions, shared by the compute, identity and image apps.

/**
 * Deepest nesting of objects and arrays a JSON body may have. Nova's deepest
 * bodies (server create with block_device_mapping_v2, scheduler hints) need
 * about ten levels; 64 leaves room for any client while keeping every
 * recursive walk over a body (schema validation, rendering a value into a
 * message) far from the stack limit.
 */
export const MAX_JSON_DEPTH = 64;

export type UrlProblem = 'path-encoding' | 'path-nul' | 'query-encoding' | 'query-nul';

export const URL_PROBLEM_MESSAGES: Readonly<Record<UrlProblem, string>> = {
  'path-encoding': 'The request path is not percent-encoded UTF-8',
  'path-nul': 'The request path must not contain NUL characters',
  'query-encoding': 'Query string is not UTF-8 encoded', // Nova's words
  'query-nul': 'Query string must not contain NUL characters',
};

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The decoded text of a URL part, or null when it is not percent-encoded UTF-8. */
function decodePart(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/**
 * Why a request target (`req.url`, as received) cannot be served, or null.
 * (Node's HTTP parser already refuses raw bytes above 0x7f in a URL.)
 */
export function urlProblem(url: string): UrlProblem | null {
  const q = url.indexOf('?');
  const decodedPath = decodePart(q < 0 ? url : url.slice(0, q));
  if (decodedPath === null) return 'path-encoding';
  if (decodedPath.includes('\0')) return 'path-nul';
  if (q < 0) return null;
  for (const pair of url.slice(q + 1).split('&')) {
    const decoded = decodePart(pair.replace(/\+/g, ' '));
    if (decoded === null) return 'query-encoding';
    if (decoded.includes('\0')) return 'query-nul';
  }
  return null;
}

export type JsonBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: JsonProblem };
export type JsonProblem = 'malformed' | 'too-deep' | 'nul' | 'unpaired-surrogate';

export const JSON_PROBLEM_MESSAGES: Readonly<Record<JsonProblem, string>> = {
  malformed: 'Malformed request body', // Nova's words
  'too-deep': `Malformed request body: nested deeper than ${MAX_JSON_DEPTH} levels`,
  nul: 'Malformed request body: a key or string contains a NUL character',
  'unpaired-surrogate': 'Malformed request body: a key or string is not valid Unicode',
};

/** Nesting depth of the JSON text, stopping as soon as it passes `limit`. */
function depthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The first problem of a string found in the value's keys and strings (depth already bounded). */
function stringProblem(v: unknown): JsonProblem | null {
  const check = (s: string): JsonProblem | null =>
    s.includes('\0') ? 'nul' : UNPAIRED_SURROGATE.test(s) ? 'unpaired-surrogate' : null;
  if (typeof v === 'string') return check(v);
  if (v === null || typeof v !== 'object') return null;
  if (Array.isArray(v)) {
    for (const x of v) {
      const p = stringProblem(x);
      if (p) return p;
    }
    return null;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const p = check(k) ?? stringProblem(x);
    if (p) return p;
  }
  return null;
}

/**
 * Parses a request body that must be JSON. An empty body is "no body"
 * (value undefined); a body received as bytes must be UTF-8.
 */
export function parseJsonBody(raw: Buffer | string | null | undefined): JsonBody {
  if (raw === undefined || raw === null || raw.length === 0) return { ok: true, value: undefined };
  let text: string;
  if (typeof raw === 'string') text = raw;
  else {
    try {
      text = utf8.decode(raw);
    } catch {
      return { ok: false, problem: 'malformed' };
    }
  }
  if (depthExceeds(text, MAX_JSON_DEPTH)) return { ok: false, problem: 'too-deep' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const p = stringProblem(value);
  return p ? { ok: false, problem: p } : { ok: true, value };
}
