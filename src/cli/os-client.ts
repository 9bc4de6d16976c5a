// A small client of the compute API for Magnetar's operator commands:
// Keystone v3 password authentication, the compute endpoint from the token's
// catalog (by interface and region, as the `openstack` client picks it), and
// JSON requests below it.
import type { OsCredentials } from './os-credentials.js';
import { authenticate, parseBody as parse, send, serviceEndpoint, type CatalogService } from '../identity/keystone-session.js';

/** The API cannot be reached or will not let us in (network, authentication, catalog). */
export { KeystoneUnreachable as ApiUnreachable, faultMessage, tokensUrl } from '../identity/keystone-session.js';

export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
  /** The request id the API answered with (x-openstack-request-id). */
  readonly requestId?: string;
}

/** The compute endpoint's URL for the interface and region, from a Keystone v3 catalog. */
export function computeEndpoint(catalog: readonly CatalogService[], iface: string, region: string | undefined): string {
  return serviceEndpoint(catalog, 'compute', iface, region);
}

export class ComputeClient {
  private constructor(
    readonly computeUrl: string,
    private readonly token: string,
  ) {}

  /** Authenticates with Keystone and finds the compute endpoint in the token's catalog. */
  static async connect(c: OsCredentials): Promise<ComputeClient> {
    const t = await authenticate(c);
    return new ComputeClient(computeEndpoint(t.catalog, c.interface, c.regionName), t.token);
  }

  /**
   * A request to the compute API; `path` is below the endpoint (`/magnetar/audit`), `version` the
   * microversion asked for (none: 2.1). HTTP errors are replies, not exceptions.
   */
  async request(method: string, path: string, body?: unknown, version?: string): Promise<ApiReply> {
    const headers: Record<string, string> = { 'X-Auth-Token': this.token, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (version !== undefined) headers['OpenStack-API-Version'] = `compute ${version}`;
    const r = await send(`${this.computeUrl}${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    const requestId = r.headers.get('x-openstack-request-id') ?? undefined;
    return { status: r.status, body: await parse(r), ...(requestId !== undefined && { requestId }) };
  }
}
