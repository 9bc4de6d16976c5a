import { compileTemplate, FALSE_CHECK, TRUE_CHECK, type Check } from './checks.js';

/**
 * Check-string grammar (precedence: not > and > or):
 *   expr  := and ( "or" and )*
 *   and   := unary ( "and" unary )*
 *   unary := "not" unary | "(" expr ")" | check
 *   check := "@" | "!" | KIND ":" MATCH
 */

type Token =
  | { readonly type: '(' | ')' | 'and' | 'or' | 'not' }
  | { readonly type: 'string' }
  | { readonly type: 'check'; readonly check: Check };

class ParseError extends Error {}

/** Python-literal left sides compare by their text form (`True`, `'abc'`, `42`). */
const NUMBER_LITERAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function literalText(left: string): string | null {
  if (left === 'True' || left === 'False' || left === 'None') return left;
  if (left.length >= 2) {
    const q = left[0];
    if ((q === "'" || q === '"') && left[left.length - 1] === q) return left.slice(1, -1);
  }
  if (NUMBER_LITERAL.test(left)) {
    const n = Number(left);
    if (Number.isFinite(n)) return /^[+-]?\d+$/.test(left) ? BigInt(left).toString() : String(n);
  }
  return null;
}

function parseSingleCheck(text: string): Check {
  if (text === '@') return TRUE_CHECK;
  if (text === '!') return FALSE_CHECK;
  const colon = text.indexOf(':');
  // A bare word is not a check; it can never be satisfied.
  if (colon < 0) return FALSE_CHECK;
  const kind = text.slice(0, colon);
  const match = text.slice(colon + 1);
  switch (kind) {
    case 'rule':
      return { kind: 'rule', name: match };
    case 'role':
      return { kind: 'role', match: compileTemplate(match) };
    case 'is_admin':
      return { kind: 'is_admin', expected: match.toLowerCase() === 'true', text: match };
    default: {
      const literal = literalText(kind);
      return {
        kind: 'generic',
        left: kind,
        path: literal === null ? kind.split('.') : null,
        literal: literal ?? '',
        match: compileTemplate(match),
      };
    }
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    let start = 0;
    while (start < word.length && word[start] === '(') {
      tokens.push({ type: '(' });
      start++;
    }
    if (start === word.length) continue;
    let end = word.length;
    while (end > start && word[end - 1] === ')') end--;
    const core = word.slice(start, end);
    const lowered = core.toLowerCase();
    if (lowered === 'and' || lowered === 'or' || lowered === 'not') {
      tokens.push({ type: lowered });
    } else if (core !== '') {
      const whole = word.slice(start);
      const q = whole[0];
      // A bare quoted string is not a check: it makes the whole rule unparseable.
      if (whole.length >= 2 && (q === "'" || q === '"') && whole[whole.length - 1] === q) {
        tokens.push({ type: 'string' });
      } else {
        tokens.push({ type: 'check', check: parseSingleCheck(core) });
      }
    }
    for (let i = end; i < word.length; i++) tokens.push({ type: ')' });
  }
  return tokens;
}

class TokenStream {
  private at = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  peek(): Token | undefined {
    return this.tokens[this.at];
  }
  next(): Token {
    const t = this.tokens[this.at++];
    if (t === undefined) throw new ParseError('unexpected end of rule');
    return t;
  }
  done(): boolean {
    return this.at >= this.tokens.length;
  }
}

function parseOr(s: TokenStream): Check {
  const parts = [parseAnd(s)];
  while (s.peek()?.type === 'or') {
    s.next();
    parts.push(parseAnd(s));
  }
  return parts.length === 1 ? (parts[0] as Check) : { kind: 'or', checks: parts };
}

function parseAnd(s: TokenStream): Check {
  const parts = [parseUnary(s)];
  while (s.peek()?.type === 'and') {
    s.next();
    parts.push(parseUnary(s));
  }
  return parts.length === 1 ? (parts[0] as Check) : { kind: 'and', checks: parts };
}

function parseUnary(s: TokenStream): Check {
  const t = s.next();
  switch (t.type) {
    case 'not':
      return { kind: 'not', check: parseUnary(s) };
    case '(': {
      const inner = parseOr(s);
      if (s.next().type !== ')') throw new ParseError('expected )');
      return inner;
    }
    case 'check':
      return t.check;
    default:
      throw new ParseError(`unexpected ${t.type}`);
  }
}

/**
 * Compiles a check string. The empty string allows everything; a string that
 * cannot be parsed denies everything, so a typo in a policy file fails closed.
 */
export function parseCheckString(text: string): Check {
  if (text === '') return TRUE_CHECK;
  try {
    const s = new TokenStream(tokenize(text));
    const check = parseOr(s);
    if (!s.done()) throw new ParseError('trailing tokens');
    return check;
  } catch (err) {
    if (err instanceof ParseError) return FALSE_CHECK;
    throw err;
  }
}

/** Check strings repeat across rules and reloads; parse each distinct one once. */
const cache = new Map<string, Check>();
const CACHE_LIMIT = 4096;

export function compileCheckString(text: string): Check {
  let check = cache.get(text);
  if (check === undefined) {
    check = parseCheckString(text);
    // Policy files are small; the limit only guards against unbounded growth.
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, check);
  }
  return check;
}
