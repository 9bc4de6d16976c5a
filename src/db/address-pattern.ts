// What an ip/ip6 filter (a regular expression matched from the start of an
// address) says about the address in terms an index can use: the literal
// characters it must begin with, and a LIKE pattern for the part of its
// start made of literals and single-character wildcards. Both only narrow
// the rows read; the expression itself decides.

const ESCAPE = '!';
const META = new Set(['\\', '^', '$', '.', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}']);
const OPTIONAL = new Set(['?', '*', '{']);

export interface AddressBounds {
  /** Every matching address starts with this (may be empty). */
  readonly literal: string;
  /** A LIKE pattern (escape character `!`) every matching address satisfies, ending in `%`. */
  readonly like: string;
}

const likeEscape = (c: string): string => (c === '%' || c === '_' || c === ESCAPE ? `${ESCAPE}${c}` : c);

export function addressBounds(source: string): AddressBounds {
  // An alternative anywhere may start at the top: nothing is certain.
  if (source.includes('|')) return { literal: '', like: '%' };
  const units: Array<{ like: string; literal: string | null }> = [];
  let i = 0;
  for (; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1];
      // An escaped metacharacter is itself; \d, \w and the like end the certain part.
      if (next === undefined || !META.has(next)) break;
      units.push({ like: likeEscape(next), literal: next });
      i++;
      continue;
    }
    if (c === '.') {
      units.push({ like: '_', literal: null });
      continue;
    }
    if (META.has(c)) break;
    units.push({ like: likeEscape(c), literal: c });
  }
  // A unit followed by ?, * or {…} may be absent (or repeated): it is not certain.
  if (i < source.length && OPTIONAL.has(source[i]!)) units.pop();
  const firstWild = units.findIndex((u) => u.literal === null);
  const literal = units.slice(0, firstWild < 0 ? units.length : firstWild).map((u) => u.literal).join('');
  return { literal, like: `${units.map((u) => u.like).join('')}%` };
}

export const ADDRESS_LIKE_ESCAPE = ESCAPE;
