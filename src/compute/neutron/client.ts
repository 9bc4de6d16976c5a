// The compute side's client of the network service, over its HTTP API as
// Nova reaches Neutron: a service session from `[neutron]` (its own user,
// the network endpoint from the catalog or `endpoint_override`), or the
// caller's own token where Nova acts as the user. Errors come back typed,
// with Neutron's fault type and message, so callers map them to Nova's.
import type { Config } from '../../config/config.js';
import { identityUrl } from '../../identity/catalog.js';
import { KeystoneSession, KeystoneUnreachable, faultMessage, parseBody, send, serviceEndpoint } from '../../identity/keystone-session.js';

/** The network service answered with an error. */
export class NeutronRequestError extends Error {
  constructor(
    readonly status: number,
    /** NeutronError's `type` (e.g. `IpAddressAlreadyAllocated`), or '' when the body had none. */
    readonly type: string,
    readonly detail: string,
  ) {
    super(detail || `network service answered HTTP ${status}`);
    this.name = 'NeutronRequestError';
  }
}

/** The network service cannot be reached, or will not authenticate the compute side. */
export class NetworkServiceUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkServiceUnavailable';
  }
}

export interface NeutronCallOptions {
  /** Act as this token's user (Nova's user context) instead of the service user. */
  readonly token?: string;
  /** Query string parameters; arrays repeat the key, as Neutron's filters take them. */
  readonly query?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

type Json = Record<string, unknown>;

function queryString(q: NeutronCallOptions['query']): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) for (const one of Array.isArray(v) ? v : [v]) p.append(k, String(one));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

export class NeutronClient {
  private readonly session: KeystoneSession;
  private readonly override: string;
  private readonly interfaces: readonly string[];
  private readonly region: string;
  private readonly timeoutMs: number;

  constructor(conf: Config) {
    const password = conf.str('neutron', 'password');
    const authUrl = conf.str('neutron', 'auth_url');
    this.interfaces = conf.list('neutron', 'valid_interfaces');
    this.region = conf.str('neutron', 'region_name') || conf.str('magnetar', 'region');
    this.session = new KeystoneSession({
      // Resolved at first use: in tests and the all-in-one the identity port is known only once it listens.
      get authUrl() {
        return authUrl || identityUrl(conf);
      },
      username: conf.str('neutron', 'username'),
      password: password || conf.str('identity', 'admin_password'),
      projectName: conf.str('neutron', 'project_name'),
      userDomainName: conf.str('neutron', 'user_domain_name'),
      projectDomainName: conf.str('neutron', 'project_domain_name'),
      regionName: this.region,
      interface: this.interfaces[0] ?? 'public',
    });
    this.override = conf.str('neutron', 'endpoint_override').replace(/\/+$/, '');
    this.timeoutMs = conf.num('neutron', 'timeout') * 1000;
  }

  /** The network API's base URL, `…/v2.0`. */
  private async base(): Promise<string> {
    if (this.override !== '') return `${this.override.replace(/\/v2\.0$/, '')}/v2.0`;
    const { catalog } = await this.session.token();
    let lastErr: unknown;
    for (const iface of this.interfaces) {
      try {
        return `${serviceEndpoint(catalog, 'network', iface, this.region)}/v2.0`;
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr instanceof Error ? lastErr : new KeystoneUnreachable('No network endpoint in the service catalog');
  }

  /** One request; the parsed body on 2xx, a NeutronRequestError otherwise. */
  async call(method: string, path: string, body?: unknown, opts: NeutronCallOptions = {}): Promise<Json> {
    try {
      for (let attempt = 0; ; attempt++) {
        const token = opts.token ?? (await this.session.token()).token;
        const headers: Record<string, string> = { 'X-Auth-Token': token, Accept: 'application/json' };
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        const url = `${await this.base()}${path}${queryString(opts.query)}`;
        const r = await send(url, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) }, this.timeoutMs);
        const parsed = await parseBody(r);
        // The service token expired early or was revoked: one new one, once.
        if (r.status === 401 && opts.token === undefined && attempt === 0) {
          await this.session.renew();
          continue;
        }
        if (r.status >= 400) {
          const err = (parsed as { NeutronError?: { type?: string } } | undefined)?.NeutronError;
          throw new NeutronRequestError(r.status, typeof err?.type === 'string' ? err.type : '', faultMessage(parsed) ?? '');
        }
        return (parsed ?? {}) as Json;
      }
    } catch (err) {
      if (err instanceof KeystoneUnreachable) throw new NetworkServiceUnavailable(err.message);
      throw err;
    }
  }

  async list(collection: string, query: NeutronCallOptions['query'] = {}, token?: string): Promise<Json[]> {
    const key = collection.replace(/-/g, '_');
    const body = await this.call('GET', `/${collection}`, undefined, { query, ...(token !== undefined && { token }) });
    return (body[key] as Json[] | undefined) ?? [];
  }

  async show(collection: string, singular: string, id: string, token?: string): Promise<Json | undefined> {
    try {
      const body = await this.call('GET', `/${collection}/${encodeURIComponent(id)}`, undefined, token !== undefined ? { token } : {});
      return body[singular] as Json;
    } catch (err) {
      if (err instanceof NeutronRequestError && err.status === 404) return undefined;
      throw err;
    }
  }
}
