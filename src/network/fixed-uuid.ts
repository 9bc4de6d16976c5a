// UUIDs derived from a name, the same in every deployment and on every
// attempt: what lets a start or a request that is run again find what an
// earlier one made instead of making it twice.
import { createHash } from 'node:crypto';

export function fixedUuid(name: string): string {
  const h = createHash('sha1').update(`magnetar-network:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
