// The compute side's client of the network service, over its HTTP API as
// Nova reaches Neutron: a service session from `[neutron]` (its own user,
// the network endpoint from the catalog or `endpoint_override`), or the
// caller's own token where Nova acts as the user. Errors come back typed,
// with Neutron's fault type and message, so callers map them to Nova's.
import type { Config } from '../../config/config.js';
import { KeystoneUnreachable, faultMessage, parseBody, send } from '../../identity/keystone-session.js';
import { ServiceUser } from '../../identity/service-user.js';

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

/** keystoneauth's wait before the first retry of a connection that failed; doubled before each next one. */
const FIRST_RETRY_DELAY_MS = 500;

export class NeutronClient {
  private readonly user: ServiceUser;
  private readonly retries: number;

  constructor(conf: Config) {
    this.user = new ServiceUser(conf, 'neutron', 'network');
    this.retries = conf.num('neutron', 'http_retries');
  }

  /** The network API's base URL, `…/v2.0`. */
  private async base(): Promise<string> {
    return `${(await this.user.endpoint()).replace(/\/v2\.0$/, '')}/v2.0`;
  }

  /**
   * One request; the parsed body on 2xx, a NeutronRequestError otherwise. A
   * request whose connection (to the network service or, for its token, to
   * the identity service) could not be made is tried again up to
   * `[neutron] http_retries` times, after 0.5 s, 1 s, 2 s…, as Nova's client
   * does: a service restarting does not fail the move that needed it.
   */
  async call(method: string, path: string, body?: unknown, opts: NeutronCallOptions = {}): Promise<Json> {
    for (let retry = 0; ; retry++) {
      try {
        return await this.callOnce(method, path, body, opts);
      } catch (err) {
        if (!(err instanceof KeystoneUnreachable) || !err.connectFailed || retry >= this.retries) {
          if (err instanceof KeystoneUnreachable) throw new NetworkServiceUnavailable(err.message);
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_DELAY_MS * 2 ** retry));
      }
    }
  }

  private async callOnce(method: string, path: string, body: unknown, opts: NeutronCallOptions): Promise<Json> {
    for (let attempt = 0; ; attempt++) {
      const token = opts.token ?? (await this.user.session.token()).token;
      const headers: Record<string, string> = { 'X-Auth-Token': token, Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const url = `${await this.base()}${path}${queryString(opts.query)}`;
      const r = await send(url, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) }, this.user.timeoutMs);
      const parsed = await parseBody(r);
      // The service token expired early or was revoked: one new one, once.
      if (r.status === 401 && opts.token === undefined && attempt === 0) {
        await this.user.session.renew();
        continue;
      }
      if (r.status >= 400) {
        const err = (parsed as { NeutronError?: { type?: string } } | undefined)?.NeutronError;
        throw new NeutronRequestError(r.status, typeof err?.type === 'string' ? err.type : '', faultMessage(parsed) ?? '');
      }
      return (parsed ?? {}) as Json;
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
