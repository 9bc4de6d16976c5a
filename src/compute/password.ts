// Generated admin passwords, as Nova makes them: `length` characters drawn
// from symbol groups without look-alike characters (no 0/O, 1/l/I), with at
// least one character of every group when the length allows.
import { randomInt } from 'node:crypto';

export const PASSWORD_SYMBOL_GROUPS: readonly string[] = ['23456789', 'ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz'];

function pick(s: string): string {
  return s[randomInt(s.length)]!;
}

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export function generatePassword(length: number, groups: readonly string[] = PASSWORD_SYMBOL_GROUPS): string {
  const n = Math.max(0, Math.floor(length));
  // One of each group first (shuffled, then cut, so a short length does not
  // always favour the first groups), the rest from all symbols.
  const chars = shuffle(groups.map(pick)).slice(0, n);
  const all = groups.join('');
  while (chars.length < n) chars.push(pick(all));
  return shuffle(chars).join('');
}
