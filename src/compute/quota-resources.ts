// The quota resources Nova has, in its order: the `[quota]` option that
// gives each one's default (none: unlimited), and the microversion whose
// quota-set bodies no longer show it.
import type { Config } from '../config/config.js';

export interface QuotaResource {
  readonly name: string;
  /** The `[quota]` option holding the default limit; absent for the nova-network leftovers (always -1). */
  readonly option?: string;
  /** Quota sets stop showing (and accepting) it from this microversion. */
  readonly droppedIn?: string;
}

export const QUOTA_RESOURCES: readonly QuotaResource[] = [
  { name: 'cores', option: 'cores' },
  { name: 'injected_files', option: 'injected_files', droppedIn: '2.57' },
  { name: 'injected_file_content_bytes', option: 'injected_file_content_bytes', droppedIn: '2.57' },
  { name: 'injected_file_path_bytes', option: 'injected_file_path_length', droppedIn: '2.57' },
  { name: 'instances', option: 'instances' },
  { name: 'key_pairs', option: 'key_pairs' },
  { name: 'metadata_items', option: 'metadata_items' },
  { name: 'ram', option: 'ram' },
  { name: 'server_groups', option: 'server_groups' },
  { name: 'server_group_members', option: 'server_group_members' },
  { name: 'fixed_ips', droppedIn: '2.36' },
  { name: 'floating_ips', droppedIn: '2.36' },
  { name: 'security_groups', droppedIn: '2.36' },
  { name: 'security_group_rules', droppedIn: '2.36' },
];

export const QUOTA_RESOURCE_NAMES: readonly string[] = QUOTA_RESOURCES.map((r) => r.name);

export const UNLIMITED = -1;

/** The configured default of every resource. */
export function configuredDefaults(conf: Config): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of QUOTA_RESOURCES) out[r.name] = r.option === undefined ? UNLIMITED : conf.num('quota', r.option);
  return out;
}

/** Nova treats any limit below zero as unlimited. */
export const isUnlimited = (limit: number): boolean => limit < 0;
