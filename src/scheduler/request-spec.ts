// What the scheduler is asked for and what it answers — plain data, so both
// cross the bus as JSON unchanged.
import type { InstanceFlavor, InstanceRow } from '../db/schema.js';
import type { Resources } from './resources.js';
import type { ServerGroupPolicy, ServerGroupRules } from '../db/server-groups.js';

export interface RequestedFlavor {
  readonly vcpus: number;
  readonly memory_mb: number;
  readonly root_gb: number;
  readonly ephemeral_gb: number;
  /** MB, as on the flavor. */
  readonly swap: number;
  /** The flavor's name (AggregateTypeAffinityFilter). */
  readonly name?: string;
  /** The flavor's extra specs (AggregateInstanceExtraSpecsFilter). */
  readonly extra_specs?: Readonly<Record<string, string>>;
}

export interface SchedulerHints {
  /** Place on a host that runs one of these instances. */
  readonly same_host?: readonly string[];
  /** Place on a host that runs none of these instances. */
  readonly different_host?: readonly string[];
}

/** The group of the server being placed, as the scheduler reads it (never sent over the bus). */
export interface RequestedGroup {
  readonly uuid: string;
  readonly policy: ServerGroupPolicy;
  readonly rules: ServerGroupRules;
  readonly members: readonly string[];
  /** The hosts its members are on. */
  readonly hosts: readonly string[];
}

export interface RequestSpec {
  readonly instanceUuid: string;
  readonly projectId: string;
  readonly flavor: RequestedFlavor;
  /** The zone the server asked for at boot (or was pinned to); null = any. */
  readonly availabilityZone: string | null;
  /** The server's image (AggregateImagePropertiesIsolation reads its properties). */
  readonly imageRef?: string;
  /** Only this host (a targeted live migration or evacuation). */
  readonly requestedHost?: string;
  /** Only this node (hypervisor_hostname). */
  readonly requestedNode?: string;
  /** Never these hosts (e.g. the source of a migration). */
  readonly ignoreHosts?: readonly string[];
  readonly schedulerHints?: SchedulerHints;
  /** How many instances to place; default 1, or the length of instanceUuids. */
  readonly numInstances?: number;
  /** Consumers for a multi-instance request, one per instance; default [instanceUuid]. */
  readonly instanceUuids?: readonly string[];
  /** Set by the scheduler from the database: the group the server is a member of. */
  readonly instanceGroup?: RequestedGroup;
}

export interface HostRef {
  readonly host: string;
  readonly nodename: string;
  readonly nodeUuid: string;
}

export interface Selection extends HostRef {
  readonly hostIp: string;
  /** Further hosts that passed the filters, best first, for a retry (not claimed). */
  readonly alternates: readonly HostRef[];
}

/** What the scheduler is told of a server's flavor. */
export function requestedFlavorOf(f: InstanceFlavor): RequestedFlavor {
  return {
    vcpus: f.vcpus,
    memory_mb: f.memory_mb,
    root_gb: f.root_gb,
    ephemeral_gb: f.ephemeral_gb,
    swap: f.swap,
    name: f.name,
    extra_specs: { ...(f.extra_specs ?? {}) },
  };
}

/** What one instance of the flavor allocates; swap counts towards disk, in whole GB. */
export function resourcesOf(flavor: RequestedFlavor): Resources {
  return {
    vcpus: flavor.vcpus,
    memory_mb: flavor.memory_mb,
    disk_gb: flavor.root_gb + flavor.ephemeral_gb + Math.ceil(flavor.swap / 1024),
  };
}

/** The same_host / different_host hints a server was booted with, for a later scheduling of it (live migration, unshelve). */
export function schedulerHintsOf(inst: Pick<InstanceRow, 'scheduler_hints'>): Pick<RequestSpec, 'schedulerHints'> {
  try {
    const h = JSON.parse(inst.scheduler_hints || '{}') as Record<string, unknown>;
    const list = (v: unknown): string[] | undefined =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : undefined;
    const same = list(h['same_host']);
    const different = list(h['different_host']);
    if (!same && !different) return {};
    return { schedulerHints: { ...(same && { same_host: same }), ...(different && { different_host: different }) } };
  } catch {
    return {};
  }
}
