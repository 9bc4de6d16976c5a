// The service catalog handed out in tokens: compute, image, network and identity, each
// with public/internal/admin endpoints, in Keystone's JSON shape.
import type { Config } from '../config/config.js';
import { stableId } from './users.js';

export interface CatalogEndpoint {
  readonly id: string;
  readonly interface: 'public' | 'internal' | 'admin';
  readonly region: string;
  readonly region_id: string;
  readonly url: string;
}

export interface CatalogEntry {
  readonly endpoints: readonly CatalogEndpoint[];
  readonly id: string;
  readonly type: string;
  readonly name: string;
}

const INTERFACES = ['public', 'internal', 'admin'] as const;

/** One catalog entry whose three interfaces share a URL. */
export function catalogEntry(type: string, name: string, url: string, region: string): CatalogEntry {
  return {
    endpoints: INTERFACES.map((iface) => ({
      id: stableId('endpoint', `${type}:${iface}`),
      interface: iface,
      region,
      region_id: region,
      url,
    })),
    id: stableId('service', type),
    type,
    name,
  };
}

/** The host clients should use: public_host, else bind_host unless it is a wildcard. */
export function publicHost(conf: Config): string {
  const explicit = conf.str('magnetar', 'public_host');
  const bind = conf.str('magnetar', 'bind_host');
  const host = explicit !== '' ? explicit : bind === '0.0.0.0' || bind === '::' || bind === '' ? '127.0.0.1' : bind;
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function buildCatalog(conf: Config): CatalogEntry[] {
  const host = publicHost(conf);
  const region = conf.str('magnetar', 'region');
  const url = (portOption: string, path: string): string =>
    `http://${host}:${conf.num('magnetar', portOption)}${path}`;
  return [
    catalogEntry('compute', 'nova', url('compute_port', '/v2.1'), region),
    catalogEntry('image', 'glance', url('image_port', ''), region),
    catalogEntry('network', 'neutron', url('network_port', ''), region),
    catalogEntry('identity', 'keystone', url('identity_port', '/v3'), region),
  ];
}

/** Where clients authenticate: the external Keystone when configured, else the embedded one. */
export function identityUrl(conf: Config): string {
  const external = conf.str('identity', 'external_url');
  if (external !== '') return external.replace(/\/+$/, '');
  return `http://${publicHost(conf)}:${conf.num('magnetar', 'identity_port')}/v3`;
}
