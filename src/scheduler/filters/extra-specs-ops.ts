// How AggregateInstanceExtraSpecsFilter compares an aggregate's value with a
// flavor's extra spec (nova/scheduler/filters/extra_specs_ops.py): a spec may
// start with an operator — `=` (at least), `==`, `!=`, `>=`, `<=` on numbers,
// `s==`, `s!=`, `s<`, `s<=`, `s>`, `s>=` on strings, `<in>` (substring),
// `<all-in>` (every word a substring), `<or>` (any of the words) — or is
// compared as a plain string.

/** Python's float() of a string; NaN when it would raise. */
function pyFloat(s: string): number {
  const t = s.trim();
  if (/^[+-]?(inf(inity)?|nan)$/i.test(t)) return t.toLowerCase().includes('nan') ? Number.NaN : t.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(\d+(_\d+)*(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+(_\d+)*)?$/.test(t)) return Number.NaN;
  return Number(t.replace(/_/g, ''));
}

type Op = (value: string, arg: string) => boolean;

/** A comparison of numbers; a value that is no number matches nothing (Nova would fail the request). */
const numeric =
  (cmp: (a: number, b: number) => boolean): Op =>
  (value, arg) => {
    const a = pyFloat(value);
    const b = pyFloat(arg);
    return !Number.isNaN(a) && !Number.isNaN(b) && cmp(a, b);
  };

const OPS: Readonly<Record<string, Op>> = {
  '=': numeric((a, b) => a >= b),
  '==': numeric((a, b) => a === b),
  '!=': numeric((a, b) => a !== b),
  '>=': numeric((a, b) => a >= b),
  '<=': numeric((a, b) => a <= b),
  '<in>': (value, arg) => value.includes(arg),
  's==': (value, arg) => value === arg,
  's!=': (value, arg) => value !== arg,
  's<': (value, arg) => value < arg,
  's<=': (value, arg) => value <= arg,
  's>': (value, arg) => value > arg,
  's>=': (value, arg) => value >= arg,
};

export function matchesExtraSpec(value: string, req: string): boolean {
  const words = req.split(/\s+/).filter((w) => w !== '');
  const op = words.shift();
  if (op === undefined || (op !== '<or>' && op !== '<all-in>' && OPS[op] === undefined)) return value === req;
  if (op === '<or>') {
    // `<or> v1 <or> v2 …`: every other word is a candidate.
    for (let i = 0; i < words.length; i += 2) if (words[i] === value) return true;
    return false;
  }
  if (words.length === 0) return false;
  if (op === '<all-in>') return words.every((w) => value.includes(w));
  return OPS[op]!(value, words[0]!);
}
