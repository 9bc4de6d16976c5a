// The `personality` list of a boot or rebuild (before 2.57) as the files
// the quotas are checked against. Magnetar writes no files into guests.
import type { InjectedFile } from '../compute/quota-check.js';

export function injectedFilesOf(personality: unknown): InjectedFile[] {
  if (!Array.isArray(personality)) return [];
  return personality.map((p: { path?: unknown; contents?: unknown }) => ({
    path: typeof p.path === 'string' ? p.path : '',
    contents: typeof p.contents === 'string' ? p.contents : '',
  }));
}
