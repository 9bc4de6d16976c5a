// The hosts a `magnetar compute` process runs, from its repeated --host
// options: at least one, each named once, each a name a service may have.

/** The same limit as Nova's services.host column. */
const MAX_HOST_NAME = 255;

export function computeHostNames(given: readonly string[]): string[] {
  if (given.length === 0) throw new Error("required option '--host <name>' not specified");
  const seen = new Set<string>();
  for (const h of given) {
    if (h.trim() === '' || h !== h.trim()) throw new Error(`--host ${JSON.stringify(h)}: a host name may not be empty or begin or end with white space`);
    if (h.length > MAX_HOST_NAME) throw new Error(`--host ${h.slice(0, 20)}…: a host name has at most ${MAX_HOST_NAME} characters`);
    if (seen.has(h)) throw new Error(`--host ${h} is given twice: each host is run once`);
    seen.add(h);
  }
  return [...seen];
}
