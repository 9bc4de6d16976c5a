// A small client of the compute API for Magnetar's operator commands:
// Keystone v3 password authentication, the compute endpoint from the token's
// catalog (by interface and region, as the `openstack` client picks it), and
// JSON requests below it.
import type { OsCredentials } from './os-credentials.js';

/** The API cannot be reached or will not let us in (network, authentication, catalog). */
export class ApiUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiUnreachable';
  }
}

export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
}

interface CatalogEndpoint {
  readonly interface?: string;
  readonly region?: string;
  readonly region_id?: string;
  readonly url?: string;
}

interface CatalogEntry {
  readonly type?: string;
  readonly endpoints?: readonly CatalogEndpoint[];
}

/** `…/v3/auth/tokens` for an auth_url given with or without its version. */
export function tokensUrl(authUrl: string): string {
  const base = authUrl.replace(/\/+$/, '');
  if (/\/v3$/.test(base)) return `${base}/auth/tokens`;
  return `${base.replace(/\/v2\.0$/, '')}/v3/auth/tokens`;
}

function domain(name: string | undefined, id: string | undefined): { id: string } | { name: string } {
  if (id) return { id };
  if (name) return { name };
  return { id: 'default' };
}

function authBody(c: OsCredentials): unknown {
  const user = c.userId ? { id: c.userId, password: c.password } : { name: c.username, domain: domain(c.userDomainName, c.userDomainId), password: c.password };
  const project = c.projectId ? { id: c.projectId } : { name: c.projectName, domain: domain(c.projectDomainName, c.projectDomainId) };
  return { auth: { identity: { methods: ['password'], password: { user } }, scope: { project } } };
}

/** The compute endpoint's URL for the interface and region, from a Keystone v3 catalog. */
export function computeEndpoint(catalog: readonly CatalogEntry[], iface: string, region: string | undefined): string {
  const endpoints = catalog.filter((e) => e.type === 'compute').flatMap((e) => e.endpoints ?? []);
  const found = endpoints.find(
    (e) => (e.interface ?? '').replace(/URL$/, '') === iface && (region === undefined || e.region_id === region || e.region === region) && e.url,
  );
  if (!found?.url) throw new ApiUnreachable(`No compute endpoint for interface ${iface}${region ? ` in region ${region}` : ''} in the service catalog`);
  return found.url.replace(/\/+$/, '');
}

/** The message of a Nova fault body (`{"<faultName>": {"code", "message"}}`) or of a Keystone error. */
export function faultMessage(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  for (const v of Object.values(body as Record<string, unknown>)) {
    if (v !== null && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') return (v as { message: string }).message;
  }
  return undefined;
}

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(120_000) });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new ApiUnreachable(`Cannot reach ${url}${cause || (err instanceof Error ? `: ${err.message}` : '')}`);
  }
}

async function parse(r: Response): Promise<unknown> {
  const text = await r.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class ComputeClient {
  private constructor(
    readonly computeUrl: string,
    private readonly token: string,
  ) {}

  /** Authenticates with Keystone and finds the compute endpoint in the token's catalog. */
  static async connect(c: OsCredentials): Promise<ComputeClient> {
    const url = tokensUrl(c.authUrl);
    const r = await send(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(authBody(c)) });
    const body = await parse(r);
    if (r.status !== 201) throw new ApiUnreachable(`Authentication at ${url} failed (HTTP ${r.status})${faultMessage(body) ? `: ${faultMessage(body)}` : ''}`);
    const token = r.headers.get('x-subject-token');
    const catalog = (body as { token?: { catalog?: CatalogEntry[] } } | undefined)?.token?.catalog;
    if (!token || !Array.isArray(catalog)) throw new ApiUnreachable(`Authentication at ${url} gave no token or no catalog`);
    return new ComputeClient(computeEndpoint(catalog, c.interface, c.regionName), token);
  }

  /** A request to the compute API; `path` is below the endpoint (`/magnetar/audit`). HTTP errors are replies, not exceptions. */
  async request(method: string, path: string, body?: unknown): Promise<ApiReply> {
    const headers: Record<string, string> = { 'X-Auth-Token': this.token, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await send(`${this.computeUrl}${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    return { status: r.status, body: await parse(r) };
  }
}
