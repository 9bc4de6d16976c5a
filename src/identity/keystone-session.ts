// A Keystone v3 password session, as keystoneauth keeps one for a service or
// a command: authenticate, remember the token and its catalog, find a
// service's endpoint by type, interface and region, and authenticate again
// when the token is about to expire or is refused.

/** What Keystone v3 password authentication and the catalog lookup need. */
export interface PasswordCredentials {
  readonly authUrl: string;
  readonly username?: string;
  readonly userId?: string;
  readonly password: string;
  readonly projectName?: string;
  readonly projectId?: string;
  readonly userDomainName?: string;
  readonly userDomainId?: string;
  readonly projectDomainName?: string;
  readonly projectDomainId?: string;
  readonly regionName?: string;
  /** public, internal or admin. */
  readonly interface: string;
}

/** The identity service cannot be reached, refuses the credentials, or its catalog lacks the service. */
export class KeystoneUnreachable extends Error {
  constructor(
    message: string,
    /** No connection was made (refused, no route, no such name): the request never reached the service. */
    readonly connectFailed = false,
  ) {
    super(message);
    this.name = 'KeystoneUnreachable';
  }
}

/** Errors of a connection never made: retrying such a request cannot repeat it. */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export interface CatalogEndpoint {
  readonly interface?: string;
  readonly region?: string;
  readonly region_id?: string;
  readonly url?: string;
}

export interface CatalogService {
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

export function passwordAuthBody(c: PasswordCredentials): unknown {
  const user = c.userId ? { id: c.userId, password: c.password } : { name: c.username, domain: domain(c.userDomainName, c.userDomainId), password: c.password };
  const project = c.projectId ? { id: c.projectId } : { name: c.projectName, domain: domain(c.projectDomainName, c.projectDomainId) };
  return { auth: { identity: { methods: ['password'], password: { user } }, scope: { project } } };
}

/** A service's endpoint URL for the interface and region, from a Keystone v3 catalog. */
export function serviceEndpoint(catalog: readonly CatalogService[], type: string, iface: string, region: string | undefined): string {
  const endpoints = catalog.filter((e) => e.type === type).flatMap((e) => e.endpoints ?? []);
  const found = endpoints.find(
    (e) => (e.interface ?? '').replace(/URL$/, '') === iface && (region === undefined || e.region_id === region || e.region === region) && e.url,
  );
  if (!found?.url) throw new KeystoneUnreachable(`No ${type} endpoint for interface ${iface}${region ? ` in region ${region}` : ''} in the service catalog`);
  return found.url.replace(/\/+$/, '');
}

/** The message of an OpenStack fault body (`{"<name>": {"message"}}`, Keystone's `{"error": {...}}`, Neutron's `{"NeutronError": {...}}`). */
export function faultMessage(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  for (const v of Object.values(body as Record<string, unknown>)) {
    if (v !== null && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') return (v as { message: string }).message;
  }
  return undefined;
}

/**
 * fetch, with connection failures turned into KeystoneUnreachable naming the
 * URL. The timeout bounds the body's transfer too, and ends once the body
 * has been read whole (text, json, arrayBuffer): AbortSignal.timeout would
 * keep every request's signal, timer and listeners for the full timeout
 * after its answer, thousands of them under load.
 */
export async function send(url: string, init: RequestInit, timeoutMs = 120_000): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`${url} did not answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  timer.unref();
  let r: Response;
  try {
    r = await fetch(url, { ...init, signal: controller.signal });
  } catch (err) {
    clearTimeout(timer);
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    const code = err instanceof Error ? (err.cause as { code?: unknown } | undefined)?.code : undefined;
    throw new KeystoneUnreachable(`Cannot reach ${url}${cause || (err instanceof Error ? `: ${err.message}` : '')}`, CONNECT_FAILURES.has(String(code)));
  }
  if (r.body === null) clearTimeout(timer);
  else for (const read of ['text', 'json', 'arrayBuffer'] as const) endsTimerWhenRead(r, read, timer);
  return r;
}

function endsTimerWhenRead(r: Response, method: 'text' | 'json' | 'arrayBuffer', timer: NodeJS.Timeout): void {
  const read = r[method].bind(r) as () => Promise<unknown>;
  Object.defineProperty(r, method, {
    value: async () => {
      try {
        return await read();
      } finally {
        clearTimeout(timer);
      }
    },
  });
}

/** A response body: JSON when it parses, else its text, undefined when empty. */
export async function parseBody(r: Response): Promise<unknown> {
  const text = await r.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export interface SessionToken {
  readonly token: string;
  readonly catalog: readonly CatalogService[];
  readonly expiresAt: number;
}

/** Authenticates once with a password and returns the token, its catalog and expiry. */
export async function authenticate(c: PasswordCredentials): Promise<SessionToken> {
  const url = tokensUrl(c.authUrl);
  const r = await send(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(passwordAuthBody(c)) });
  const body = await parseBody(r);
  if (r.status !== 201) throw new KeystoneUnreachable(`Authentication at ${url} failed (HTTP ${r.status})${faultMessage(body) ? `: ${faultMessage(body)}` : ''}`);
  const token = r.headers.get('x-subject-token');
  const t = (body as { token?: { catalog?: CatalogService[]; expires_at?: string } } | undefined)?.token;
  if (!token || !Array.isArray(t?.catalog)) throw new KeystoneUnreachable(`Authentication at ${url} gave no token or no catalog`);
  const expires = t.expires_at ? Date.parse(t.expires_at) : NaN;
  return { token, catalog: t.catalog, expiresAt: Number.isFinite(expires) ? expires : Date.now() + 3600_000 };
}

/**
 * A long-lived service session: one token shared by every caller, renewed a
 * minute before it expires or when a service refuses it, with concurrent
 * renewals collapsed into one.
 */
export class KeystoneSession {
  private current: SessionToken | undefined;
  private pending: Promise<SessionToken> | undefined;

  constructor(private readonly creds: PasswordCredentials) {}

  async token(): Promise<SessionToken> {
    if (this.current && this.current.expiresAt - Date.now() > 60_000) return this.current;
    return this.renew();
  }

  /** Forgets the token (a service answered 401) and authenticates again. */
  async renew(): Promise<SessionToken> {
    this.current = undefined;
    this.pending ??= authenticate(this.creds).then(
      (t) => {
        this.current = t;
        this.pending = undefined;
        return t;
      },
      (err: unknown) => {
        this.pending = undefined;
        throw err;
      },
    );
    return this.pending;
  }

  /** The endpoint of a service type from the token's catalog. */
  async endpoint(type: string): Promise<string> {
    return serviceEndpoint((await this.token()).catalog, type, this.creds.interface, this.creds.regionName);
  }
}
