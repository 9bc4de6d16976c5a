// A minimal OpenStack client for the benchmarks: password tokens from the
// embedded identity API and JSON requests to the compute API.

export interface Reply {
  readonly status: number;
  readonly body: any;
  readonly text: string;
}

export interface Login {
  readonly token: string;
  readonly projectId: string;
}

/** `POST /v3/auth/tokens` with password auth scoped to the user's project. */
export async function issueToken(identityUrl: string, user: string, password = user, project = user === 'demo_manager' || user === 'demo_reader' ? 'demo' : user): Promise<Login> {
  const r = await fetch(`${identityUrl}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    }),
  });
  const text = await r.text();
  if (r.status !== 201) throw new Error(`token for ${user}: ${r.status} ${text}`);
  const body = JSON.parse(text) as { token: { project: { id: string } } };
  return { token: r.headers.get('x-subject-token') ?? '', projectId: body.token.project.id };
}

export class ComputeClient {
  private readonly logins = new Map<string, Login>();

  constructor(
    readonly identityUrl: string,
    readonly computeUrl: string,
    readonly imageUrl: string,
  ) {}

  async login(user: string): Promise<Login> {
    let l = this.logins.get(user);
    if (!l) {
      l = await issueToken(this.identityUrl, user);
      this.logins.set(user, l);
    }
    return l;
  }

  /** A compute API request; `path` is below /v2.1. */
  async req(user: string, method: string, path: string, opts: { body?: unknown; version?: string } = {}): Promise<Reply> {
    const headers: Record<string, string> = { 'X-Auth-Token': (await this.login(user)).token };
    if (opts.version) headers['OpenStack-API-Version'] = `compute ${opts.version}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(`${this.computeUrl}/v2.1${path}`, { method, headers, body });
    const text = await r.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: r.status, body: parsed, text };
  }

  async imageId(name: string): Promise<string> {
    const r = await fetch(`${this.imageUrl}/v2/images?name=${encodeURIComponent(name)}`, {
      headers: { 'X-Auth-Token': (await this.login('admin')).token },
    });
    const b = (await r.json()) as { images?: Array<{ id: string }> };
    const id = b.images?.[0]?.id;
    if (!id) throw new Error(`image ${name} not found`);
    return id;
  }
}

/** True when a reply says the route or action does not exist (yet). */
export function notImplemented(r: Reply): boolean {
  if (r.status === 404) return String(r.body?.itemNotFound?.message ?? '') === 'The resource could not be found.';
  return r.status === 400 && /There is no such action/.test(r.text);
}
