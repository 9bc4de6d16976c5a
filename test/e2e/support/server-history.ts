// What a wait on a server that timed out should say: the server's fault,
// its last action with its events (tracebacks included, as admin), its
// migrations, and the warnings and errors its processes logged. A failure
// seen far from its cause then says why.

/** A GET below the compute endpoint, as admin at the latest microversion. */
export type AdminGet = (path: string) => Promise<{ body?: any }>;

export async function serverHistory(get: AdminGet, id: string): Promise<string[]> {
  try {
    const parts = [`fault: ${JSON.stringify((await get(`/servers/${id}`)).body?.server?.fault)}`];
    const [last] = (await get(`/servers/${id}/os-instance-actions`)).body?.instanceActions ?? [];
    if (last) parts.push(`last action: ${JSON.stringify((await get(`/servers/${id}/os-instance-actions/${last.request_id}`)).body?.instanceAction)}`);
    parts.push(`migrations: ${JSON.stringify((await get(`/os-migrations?instance_uuid=${id}`)).body?.migrations)}`);
    return parts;
  } catch (e) {
    return [`(could not read the server's history: ${(e as Error).message})`];
  }
}

/** The last `n` warning, error and fatal lines of a process's log (JSON lines, as Magnetar writes them). */
export function logWarnings(label: string, log: string, n: number): string[] {
  const lines = log.split('\n').filter((l) => /"level":(40|50|60)\b/.test(l));
  return lines.length === 0 ? [] : [`${label} warnings and errors (last ${Math.min(n, lines.length)} of ${lines.length}):\n${lines.slice(-n).join('\n')}`];
}
