// The campaign's only way into the cloud: the public compute API as admin
// (Keystone v3 password login at the identity endpoint). A request that finds
// the API process gone (killed, restarting) is tried again for a while, since
// the campaign kills that process too; a request that may have changed
// something is sent once unless the caller asks otherwise.

export interface Reply {
  readonly status: number;
  readonly body: any;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class ApiClient {
  private token = '';

  constructor(
    readonly computeUrl: string,
    readonly identityUrl: string,
  ) {}

  /** One request; throws when the API cannot be reached (connection refused or reset). */
  async once(method: string, path: string, body?: unknown, version = 'latest'): Promise<Reply> {
    if (!this.token) this.token = await this.login();
    const r = await fetch(`${this.computeUrl}/v2.1${path}`, {
      method,
      headers: {
        'X-Auth-Token': this.token,
        'OpenStack-API-Version': `compute ${version}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await r.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: r.status, body: parsed };
  }

  /** A read (or a request safe to repeat), tried again while the API is unreachable, up to `ms`. */
  async call(method: string, path: string, body?: unknown, version = 'latest', ms = 30_000): Promise<Reply> {
    const end = Date.now() + ms;
    for (;;) {
      try {
        return await this.once(method, path, body, version);
      } catch (err) {
        if (Date.now() > end) throw err;
        await sleep(250);
      }
    }
  }

  get(path: string, version = 'latest'): Promise<Reply> {
    return this.call('GET', path, undefined, version);
  }

  async imageId(name: string): Promise<string> {
    if (!this.token) this.token = await this.login();
    const cat = (await (await fetch(`${this.identityUrl}/v3/auth/catalog`, { headers: { 'X-Auth-Token': this.token } })).json()) as any;
    const imageUrl = cat.catalog.find((e: any) => e.type === 'image').endpoints[0].url;
    const imgs = (await (await fetch(`${imageUrl}/v2/images?name=${name}`, { headers: { 'X-Auth-Token': this.token } })).json()) as any;
    return imgs.images[0].id;
  }

  private async login(): Promise<string> {
    const end = Date.now() + 30_000;
    for (;;) {
      try {
        const r = await fetch(`${this.identityUrl}/v3/auth/tokens`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            auth: {
              identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'admin' } } },
            },
          }),
        });
        if (r.status !== 201) throw new Error(`login failed: ${r.status}`);
        return r.headers.get('x-subject-token')!;
      } catch (err) {
        if (Date.now() > end) throw err;
        await sleep(250);
      }
    }
  }
}
