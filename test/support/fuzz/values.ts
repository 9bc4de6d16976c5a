// Odd values a client may send: wrong types, huge and tiny numbers, unicode,
// control characters, NUL, long strings, deep nesting; and mutations of a
// valid body built from them (a value replaced, a key added or removed, the
// body wrapped in nesting).
import type { Random } from './random.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export const ODD_STRINGS: readonly string[] = [
  '',
  ' ',
  'x',
  'é',
  '日本語のサーバー',
  '\u{1F680}\u{1F525}',
  'שלום',
  'a\u200bb',
  'e\u0301',
  '\ufeffbom',
  'a\u0000b',
  '\u0000',
  'tab\there',
  'line\nbreak',
  'del\u007f',
  ' leading',
  'trailing ',
  "' OR 1=1 --",
  '"; DROP TABLE instances; --',
  '../../etc/passwd',
  '%00',
  '%zz',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'null',
  'true',
  '0',
  '-1',
  '1e309',
  '99999999999999999999',
  '2147483648',
  '007',
  '1e3',
  'NaN',
  '2.1',
  'latest',
  'active',
  'compute1',
  'x'.repeat(256),
  'y'.repeat(5000),
];

export const ODD_NUMBERS: readonly number[] = [
  0, -0, 1, -1, 2, 1.5, -1.5, 255, 256, 65535, 2147483647, 2147483648, -2147483649, 4294967296,
  9007199254740991, 9007199254740993, 1e18, 9.2e18, 1e21, 1e300, 1.7976931348623157e308, -1e308, 5e-324, 1e-7,
];

export function nested(depth: number, leaf: Json = 1): Json {
  let v: Json = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Any odd JSON value. */
export function oddValue(r: Random, depth = 0): Json {
  return r.weighted<() => Json>([
    [4, () => r.pick(ODD_STRINGS)],
    [3, () => r.pick(ODD_NUMBERS)],
    [1, () => r.pick([true, false])],
    [1, () => null],
    [1, () => (depth > 2 ? [] : Array.from({ length: r.int(0, 3) }, () => oddValue(r, depth + 1)))],
    [1, () => (depth > 2 ? {} : { [r.pick(ODD_STRINGS)]: oddValue(r, depth + 1) })],
    [0.5, () => nested(r.int(5, 70))],
    [0.3, () => Array.from({ length: 1000 }, (_, i) => i)],
  ])();
}

/** Every path (list of keys) to a value inside `v`, the root included. */
function paths(v: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

const clone = (v: Json): Json => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as Json));

function setAt(root: Json, path: ReadonlyArray<string | number>, value: Json | undefined): Json | undefined {
  if (path.length === 0) return value;
  let cur = root as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
  return root;
}

/** `body` with one to three mutations; undefined when the whole body was removed. */
export function mutate(r: Random, body: Json, times = r.int(1, 3)): Json | undefined {
  let out: Json | undefined = clone(body);
  for (let i = 0; i < times && out !== undefined; i++) {
    const ps = paths(out);
    const at = r.pick(ps);
    out = r.weighted<() => Json | undefined>([
      [5, () => setAt(out!, at, oddValue(r))],
      [2, () => (at.length > 0 ? setAt(out!, at, undefined) : out)],
      [
        2,
        () => {
          const objects = ps.filter((p) => {
            let cur: Json = out!;
            for (const k of p) cur = (cur as Record<string | number, Json>)[k]!;
            return cur !== null && typeof cur === 'object' && !Array.isArray(cur);
          });
          if (objects.length === 0) return out;
          return setAt(out!, [...r.pick(objects), r.pick(['unknown_key', 'x', '', 'é', 'a\u0000', 'server', 'host', 'id'])], oddValue(r));
        },
      ],
      [1, () => setAt(out!, at, nested(r.int(1, 80), 'deep'))],
    ])();
  }
  return out;
}
