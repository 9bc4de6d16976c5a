// How one part of Magnetar reaches another service as Nova does, from a
// nova.conf section ([neutron], [glance]) with keystoneauth's option names:
// a password session as the section's user (its password empty = the
// identity service's admin password, its auth_url empty = this
// deployment's identity service), and the service's endpoint from
// `endpoint_override` or the token's catalog, by `valid_interfaces` in order.
import type { Config } from '../config/config.js';
import { identityUrl } from './catalog.js';
import { KeystoneSession, KeystoneUnreachable, serviceEndpoint } from './keystone-session.js';

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
