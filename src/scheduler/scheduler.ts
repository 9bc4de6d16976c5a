// The scheduler: filter the compute nodes, weigh the survivors, then claim
// resources on the best one that still has room. The claim is the atomic step
// — filters work on a snapshot, so a host another request filled in the
// meantime just fails its claim and the next host is tried.
import type { Db } from '../db/connect.js';
import type { Config } from '../config/config.js';
import { effectiveServiceDownTime } from '../config/config.js';
import type { Clock } from '../compute/clock.js';
import { Invalid, NoValidHost } from '../compute/errors.js';
import { claim, release } from './claims.js';
import { loadHostStates, type HostState } from './host-state.js';
import { HostStateCache, type HostOrder } from './host-state-cache.js';
import { orderWithChanges } from './order-with-changes.js';
import { resourcesOf, type RequestSpec, type Selection } from './request-spec.js';
import { addResources } from './resources.js';
import { hostZoneFromAggregates, type HostZone } from './filters/availability-zone-filter.js';
import { enabledFilters } from './filters/enabled-filters.js';
import type { Filter } from './filters/filter.js';
import { ignoreHostsFilter } from './filters/ignore-hosts-filter.js';
import { requestedDestinationFilter } from './filters/requested-destination-filter.js';
import type { ImageLookup } from '../image/lookup.js';
import { ramWeigher } from './weighers/ram.js';
import { serverGroupSoftAffinityWeigher, serverGroupSoftAntiAffinityWeigher } from './weighers/server-group-soft-affinity.js';
import { serverGroupOfInstance, type ServerGroupPolicy } from '../db/server-groups.js';
import { byName, freeRamOrder, orderByWeightLazily, type Weigher } from './weighers/weigher.js';
import { freeOf } from './resources.js';
import { groupMembersOn } from './group-members.js';
import { softGroupOrder } from './weighers/soft-group-order.js';

export interface SchedulerOptions {
  /** A host's availability zone; default: its aggregates', else [DEFAULT] default_availability_zone. */
  readonly hostZone?: HostZone;
  /** Where image properties are looked up (AggregateImagePropertiesIsolation); default: no image has any. */
  readonly images?: ImageLookup;
  /** Where configuration warnings go; default console.warn. */
  readonly warn?: (message: string) => void;
  /**
   * Debug events (a claim made, with its wall-clock time in fractional
   * milliseconds and the time since the request reached the scheduler), so
   * POST → claim can be timed from outside; default none.
   */
  readonly debug?: (fields: Record<string, unknown>, message: string) => void;
  /**
   * Keep the hosts' state in memory between requests, re-reading only what
   * the change log names (default); false reads every host per request.
   */
  readonly cacheHostState?: boolean;
}

export interface SelectOptions {
  /** Consumer the claim is made for (a migration uuid); default the instance. */
  readonly claimFor?: string;
}

const NOT_ENOUGH_HOSTS = 'There are not enough hosts available.';

/** A group whose policy the configured filters cannot enforce (Nova's UnsupportedPolicyException). */
export class UnsupportedPolicy extends Invalid {
  constructor(reason: string) {
    super(`ServerGroup policy is not supported: ${reason}`);
  }
}

export class Scheduler {
  private readonly filters: readonly Filter[];
  private readonly weighers: readonly Weigher[];
  private readonly ramWeigher: Weigher;
  private readonly softWeighers: Readonly<Record<'soft-affinity' | 'soft-anti-affinity', Weigher>>;
  private readonly debug: SchedulerOptions['debug'];
  private readonly cache: HostStateCache | undefined;
  /** The cache's order of hosts, when free RAM is the only weight that differs between them. */
  private readonly hostOrder: HostOrder | undefined;
  private readonly ramMultiplier: number;
  private readonly weighsByRamAlone: boolean;

  constructor(
    private readonly db: Db,
    private readonly conf: Config,
    private readonly clock: Clock,
    opts: SchedulerOptions = {},
  ) {
    const hostZone = opts.hostZone ?? hostZoneFromAggregates(conf.str('DEFAULT', 'default_availability_zone'));
    const warn = opts.warn ?? ((m: string): void => console.warn(m));
    const images = opts.images;
    this.debug = opts.debug;
    const multipliers = ['ram_weight_multiplier', 'soft_affinity_weight_multiplier', 'soft_anti_affinity_weight_multiplier'].map((k) => conf.num('filter_scheduler', k));
    this.ramMultiplier = multipliers[0]!;
    // With finite multipliers, a request outside any server group is weighed by free RAM alone (the group weighers give every host 0).
    this.weighsByRamAlone = multipliers.every((m) => Number.isFinite(m));
    this.hostOrder = this.weighsByRamAlone ? freeRamOrder(this.ramMultiplier, (h) => freeOf(h.inventory, h.used).memory_mb) : undefined;
    this.cache = opts.cacheHostState === false ? undefined : new HostStateCache(db, this.hostOrder);
    // The request's own constraints apply whatever the configured filters are.
    this.filters = [
      requestedDestinationFilter,
      ignoreHostsFilter,
      ...enabledFilters(
        conf.list('filter_scheduler', 'enabled_filters'),
        {
          hostZone,
          imageProperties: (spec) => (spec.imageRef !== undefined ? images?.get(spec.imageRef)?.properties : undefined) ?? {},
          isolationNamespace: conf.str('filter_scheduler', 'aggregate_image_properties_isolation_namespace'),
          isolationSeparator: conf.str('filter_scheduler', 'aggregate_image_properties_isolation_separator'),
        },
        warn,
      ),
    ];
    this.ramWeigher = ramWeigher(conf.num('filter_scheduler', 'ram_weight_multiplier'));
    this.softWeighers = {
      'soft-affinity': serverGroupSoftAffinityWeigher(conf.num('filter_scheduler', 'soft_affinity_weight_multiplier')),
      'soft-anti-affinity': serverGroupSoftAntiAffinityWeigher(conf.num('filter_scheduler', 'soft_anti_affinity_weight_multiplier')),
    };
    this.weighers = [this.ramWeigher, this.softWeighers['soft-affinity'], this.softWeighers['soft-anti-affinity']];
  }

  /**
   * The group of the server being placed, as Nova's setup_instance_group
   * reads it; a hard policy whose filter is not enabled cannot be honoured
   * and is refused.
   */
  private async groupOf(spec: RequestSpec): Promise<{ uuid: string; policy: ServerGroupPolicy; rules: { max_server_per_host?: number }; members: readonly string[] } | undefined> {
    const group = await serverGroupOfInstance(this.db.kysely, spec.instanceUuid);
    if (group === undefined) return undefined;
    const needs: Partial<Record<ServerGroupPolicy, string>> = { affinity: 'ServerGroupAffinityFilter', 'anti-affinity': 'ServerGroupAntiAffinityFilter' };
    const filter = needs[group.policy];
    if (filter !== undefined && !this.filters.some((f) => f.name === filter)) throw new UnsupportedPolicy(`${filter} not configured`);
    return { uuid: group.uuid, policy: group.policy, rules: group.rules, members: group.members };
  }

  /** Loads the view of every host ahead of the first request, which would otherwise wait for it. */
  async warmUp(): Promise<void> {
    await this.cache?.hosts(this.clock.now(), effectiveServiceDownTime(this.conf));
  }

  /**
   * The hosts running members of a group, from the cache's index of servers
   * instead of every host: those it knows, in the states this request gave
   * the hosts it already placed servers on, and those hosts themselves. In
   * (host, node) order, as a scan of every host would find them.
   */
  private cachedMemberHosts(members: readonly string[], changed: ReadonlyMap<string, HostState>): HostState[] {
    const found = new Map<string, HostState>();
    for (const h of this.cache!.statesRunning(members)) found.set(h.nodeUuid, changed.get(h.nodeUuid) ?? h);
    for (const h of changed.values()) found.set(h.nodeUuid, h);
    return [...found.values()].filter((h) => groupMembersOn(h, members) > 0).sort(byName);
  }

  /**
   * One selection per requested instance, each already holding its claim.
   * All or nothing: when one instance cannot be placed, the claims made for
   * the others are released and NoValidHost is thrown.
   */
  async selectDestinations(spec: RequestSpec, opts: SelectOptions = {}): Promise<Selection[]> {
    const started = performance.now();
    const placements = consumersOf(spec, opts.claimFor);
    const want = resourcesOf(spec.flavor);
    const maxAlternates = Math.max(0, this.conf.num('scheduler', 'max_attempts') - 1);
    const hints = spec.schedulerHints;
    const group = await this.groupOf(spec);
    const namesInstances = group !== undefined || (hints?.same_host?.length ?? 0) + (hints?.different_host?.length ?? 0) > 0;
    const withAggregates = this.filters.some((f) => f.readsAggregates?.(spec) === true);
    // The cached view always carries instances and aggregates; a filter that does not ask for them does not read them.
    let hosts =
      this.cache !== undefined
        ? await this.cache.hosts(this.clock.now(), effectiveServiceDownTime(this.conf))
        : await loadHostStates(this.db, this.clock.now(), effectiveServiceDownTime(this.conf), { withInstanceUuids: namesInstances, withAggregates });
    // The cache keeps the hosts in weight order already. It is the whole
    // order outside any group, or in a group whose policy is a filter's
    // (affinity, anti-affinity: the soft weighers give every host 0); for a
    // soft policy, the hosts running members are weighed apart. Hosts this
    // request already placed a server on are put back in their new places.
    const softGroup = group !== undefined && isSoftPolicy(group.policy) ? group.policy : undefined;
    const hostOrder = this.hostOrder;
    const cached = this.cache !== undefined && hostOrder !== undefined ? this.cache.orderView() : undefined;
    const changed = new Map<string, HostState>();
    const selections: Selection[] = [];
    const claimed: Array<{ consumer: string; nodeUuid: string }> = [];
    try {
      for (const { consumer, instanceUuid } of placements) {
        // The group as it stands now, with the servers this request already placed.
        const memberHosts = group === undefined ? [] : cached !== undefined ? this.cachedMemberHosts(group.members, changed) : hosts.filter((h) => groupMembersOn(h, group.members) > 0);
        const request: RequestSpec =
          group === undefined ? spec : { ...spec, instanceUuid, instanceGroup: { ...group, hosts: memberHosts.map((h) => h.host) } };
        // Hosts best first, taken only as far as needed: the claim, then the alternates.
        const passes = (h: HostState): boolean => this.filters.every((f) => f.passes(h, request));
        const view = cached !== undefined ? orderWithChanges(cached, changed, hostOrder!) : undefined;
        const ordered =
          view === undefined
            ? orderByWeightLazily(hosts.filter(passes), this.weighers, request)
            : softGroup === undefined
              ? filtered(view.inOrder(), passes)
              : softGroupOrder({
                  order: view,
                  memberHosts,
                  passes,
                  ram: this.ramWeigher,
                  group: this.softWeighers[softGroup],
                  spec: request,
                });
        // next() by hand: leaving a for…of would close the generator before the alternates are taken.
        const next = (): HostState | undefined => {
          const r = ordered.next();
          return r.done === true ? undefined : r.value;
        };
        let chosen: HostState | undefined;
        for (let h = next(); h !== undefined; h = next()) {
          if (await claim(this.db, consumer, h.nodeUuid, want, { replace: true, liveConsumer: true })) {
            chosen = h;
            break;
          }
        }
        if (chosen === undefined) throw new NoValidHost(NOT_ENOUGH_HOSTS);
        const claimedAt = performance.now();
        this.debug?.({ consumer, instance: instanceUuid, host: chosen.host, claimedAt: performance.timeOrigin + claimedAt, selectMs: claimedAt - started }, 'claimed');
        claimed.push({ consumer, nodeUuid: chosen.nodeUuid });
        const picked = chosen;
        // Every host before the chosen one was full; the alternates are the ones after it.
        const alternates: HostState[] = [];
        for (let h = alternates.length < maxAlternates ? next() : undefined; h !== undefined; h = alternates.length < maxAlternates ? next() : undefined) {
          alternates.push(h);
        }
        selections.push({
          host: picked.host,
          nodename: picked.nodename,
          nodeUuid: picked.nodeUuid,
          hostIp: picked.hostIp,
          alternates: alternates.map((h) => ({ host: h.host, nodename: h.nodename, nodeUuid: h.nodeUuid })),
        });
        // The next instance of this request sees what this one took.
        if (selections.length < placements.length) {
          const updated: HostState = { ...picked, used: addResources(picked.used, want), instanceCount: picked.instanceCount + 1, instanceUuids: new Set([...picked.instanceUuids, instanceUuid]) };
          if (cached === undefined) hosts = hosts.map((h) => (h.nodeUuid === picked.nodeUuid ? updated : h));
          changed.set(picked.nodeUuid, updated);
        }
      }
    } catch (err) {
      for (const c of claimed) await release(this.db, c.consumer, c.nodeUuid);
      throw err;
    }
    return selections;
  }
}

const isSoftPolicy = (p: ServerGroupPolicy): p is 'soft-affinity' | 'soft-anti-affinity' => p === 'soft-affinity' || p === 'soft-anti-affinity';

/** The hosts that pass, in the order given, one at a time. */
function* filtered(hosts: Iterable<HostState>, passes: (h: HostState) => boolean): Generator<HostState, void, undefined> {
  for (const h of hosts) if (passes(h)) yield h;
}

/** Which consumer claims for each instance to place. */
function consumersOf(spec: RequestSpec, claimFor: string | undefined): Array<{ consumer: string; instanceUuid: string }> {
  const uuids = spec.instanceUuids ?? [spec.instanceUuid];
  const n = spec.numInstances ?? uuids.length;
  if (!Number.isInteger(n) || n < 1) throw new Invalid(`numInstances must be a positive integer, not ${n}`);
  if (claimFor !== undefined) {
    if (n !== 1) throw new Invalid('claimFor places exactly one instance');
    return [{ consumer: claimFor, instanceUuid: spec.instanceUuid }];
  }
  if (uuids.length !== n) throw new Invalid(`numInstances ${n} needs ${n} instanceUuids, got ${uuids.length}`);
  return uuids.map((u) => ({ consumer: u, instanceUuid: u }));
}
