// The network service as the caller sees it: Nova's proxy APIs reach Neutron
// with the user's own token, so the network service's own visibility and
// policy decide what the user may read and change.
import type { Config } from '../../config/config.js';
import type { NeutronClient } from './client.js';
import { neutronFor } from './shared-client.js';

export type NeutronJson = Record<string, unknown>;

export class UserNeutron {
  constructor(
    private readonly client: NeutronClient,
    private readonly token: string,
  ) {}

  /** One request as the user; NeutronRequestError on an error answer. */
  call(method: string, path: string, body?: unknown, query?: Readonly<Record<string, string | number | boolean | readonly string[]>>): Promise<NeutronJson> {
    return this.client.call(method, path, body, { token: this.token, ...(query !== undefined && { query }) });
  }

  async list(collection: string, query: Readonly<Record<string, string | number | boolean | readonly string[]>> = {}): Promise<NeutronJson[]> {
    return this.client.list(collection, query, this.token);
  }
}

/** The caller's token as the compute API received it (every compute API request carries one). */
export function callerToken(headers: Readonly<Record<string, string | string[] | undefined>>): string {
  const t = headers['x-auth-token'];
  return Array.isArray(t) ? (t[0] ?? '') : (t ?? '');
}

/** The network service as the user who sent these headers. */
export function asUser(conf: Config, headers: Readonly<Record<string, string | string[] | undefined>>): UserNeutron {
  return new UserNeutron(neutronFor(conf), callerToken(headers));
}
