// How one part of Magnetar reaches another service as Nova does, from a
// nova.conf section ([neutron], [glance]) with keystoneauth's option names:
// a password session as the section's user (its password empty = the
// identity service's admin password, its auth_url empty = this
// deployment's identity service), and the service's endpoint from
// `endpoint_override` or the token's catalog, by `valid_interfaces` in order.
import type { Config } from '../config/config.js';
import { identityUrl } from './catalog.js';
import { KeystoneSession, KeystoneUnreachable, send, serviceEndpoint } from './keystone-session.js';

export class ServiceUser {
  readonly session: KeystoneSession;
  /** `[<section>] timeout`, in milliseconds. */
  readonly timeoutMs: number;
  private readonly override: string;
  private readonly interfaces: readonly string[];
  private readonly region: string;

  constructor(
    conf: Config,
    section: string,
    private readonly serviceType: string,
  ) {
    const password = conf.str(section, 'password');
    const authUrl = conf.str(section, 'auth_url');
    this.interfaces = conf.list(section, 'valid_interfaces');
    this.region = conf.str(section, 'region_name') || conf.str('magnetar', 'region');
    this.session = new KeystoneSession({
      // Resolved at first use: in tests and the all-in-one the identity port is known only once it listens.
      get authUrl() {
        return authUrl || identityUrl(conf);
      },
      username: conf.str(section, 'username'),
      password: password || conf.str('identity', 'admin_password'),
      projectName: conf.str(section, 'project_name'),
      userDomainName: conf.str(section, 'user_domain_name'),
      projectDomainName: conf.str(section, 'project_domain_name'),
      regionName: this.region,
      interface: this.interfaces[0] ?? 'public',
    });
    this.override = conf.str(section, 'endpoint_override').replace(/\/+$/, '');
    this.timeoutMs = conf.num(section, 'timeout') * 1000;
  }

  /**
   * One request to `path` under the service's endpoint (less `dropSuffix`,
   * e.g. the image API's `/v2`) with this user's token; a token the service
   * refuses (expired early, revoked) is renewed once.
   */
  async request(path: string, init: { method?: string; headers?: Record<string, string>; body?: RequestInit['body'] } = {}, dropSuffix = ''): Promise<Response> {
    let base = await this.endpoint();
    if (dropSuffix !== '' && base.endsWith(dropSuffix)) base = base.slice(0, -dropSuffix.length);
    for (let attempt = 0; ; attempt++) {
      const { token } = await this.session.token();
      const r = await send(`${base}${path}`, { ...init, headers: { ...init.headers, 'X-Auth-Token': token } }, this.timeoutMs);
      if (r.status !== 401 || attempt > 0) return r;
      await r.body?.cancel();
      await this.session.renew();
    }
  }

  /** The service's endpoint, without a trailing slash. */
  async endpoint(): Promise<string> {
    if (this.override !== '') return this.override;
    const { catalog } = await this.session.token();
    let lastErr: unknown;
    for (const iface of this.interfaces) {
      try {
        return serviceEndpoint(catalog, this.serviceType, iface, this.region);
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr instanceof Error ? lastErr : new KeystoneUnreachable(`No ${this.serviceType} endpoint in the service catalog`);
  }
}
