// Nova asks Keystone whether a project id names a project before it shows or
// changes that project's quotas: GET /v3/projects/{id} with the caller's
// token. Only a 404 is an answer ("not a valid project", 400); a 403 (the
// caller may not look) or an identity service that cannot be reached lets
// the request through, as in Nova.
import { badRequest } from './faults.js';

const TIMEOUT_MS = 5000;

export async function verifyProjectId(identityUrl: string, headers: Readonly<Record<string, string | string[] | undefined>>, projectId: string): Promise<void> {
  const raw = headers['x-auth-token'];
  const token = Array.isArray(raw) ? raw[0] : raw;
  let status: number;
  try {
    // The identity URL may be given with or without its /v3.
    const base = identityUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
    const r = await fetch(`${base}/v3/projects/${encodeURIComponent(projectId)}`, {
      headers: { accept: 'application/json', ...(token !== undefined && { 'x-auth-token': token }) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    status = r.status;
    await r.arrayBuffer();
  } catch {
    return;
  }
  if (status === 404) throw badRequest(`Project ID ${projectId} is not a valid project.`);
}
