// Availability zones as Nova derives them: a compute host is in the zone of
// the aggregate(s) it belongs to that have `availability_zone` metadata, else
// in [DEFAULT] default_availability_zone; every other service is in
// [DEFAULT] internal_service_availability_zone.
//
// Server bodies, service lists and zone checks ask for zones on every request,
// so the host → zone map is read in one query and kept for a moment (Nova keeps
// it an hour). Aggregate changes made through this process drop it at once;
// those of another API process are seen within MAX_AGE_MS.
import { performance } from 'node:perf_hooks';
import type { Config } from '../config/config.js';
import type { Db } from '../db/connect.js';
import { zonesByHost } from '../db/aggregates.js';

const MAX_AGE_MS = 1000;

/** The zones of hosts at one moment. */
export class ZoneMap {
  constructor(
    /** Host → zones of its aggregates, in aggregate order (hosts without a zoned aggregate absent). */
    private readonly byHost: ReadonlyMap<string, readonly string[]>,
    readonly defaultZone: string,
    readonly internalZone: string,
  ) {}

  /** The zone of a compute host (Nova's get_host_availability_zone: its first zoned aggregate's). */
  hostZone(host: string): string {
    return this.byHost.get(host)?.[0] ?? this.defaultZone;
  }

  /** The zones a host's aggregates name, or none. */
  aggregateZones(host: string): readonly string[] {
    return this.byHost.get(host) ?? [];
  }

  /** A service's zone as os-services shows it: a compute host's zones joined by commas, else the internal zone. */
  serviceZone(svc: { readonly binary: string; readonly host: string }): string {
    if (svc.binary !== 'nova-compute') return this.internalZone;
    const zones = [...new Set(this.byHost.get(svc.host) ?? [])];
    return zones.length > 0 ? zones.join(',') : this.defaultZone;
  }
}

export class HostZones {
  private cached: { readonly at: number; readonly map: ZoneMap } | undefined;
  /** Bumped by invalidate(), so a read that began before a change is not kept. */
  private generation = 0;

  constructor(
    private readonly db: Db,
    private readonly conf: Config,
    private readonly maxAgeMs = MAX_AGE_MS,
  ) {}

  async snapshot(): Promise<ZoneMap> {
    const c = this.cached;
    if (c !== undefined && performance.now() - c.at < this.maxAgeMs) return c.map;
    const gen = this.generation;
    const at = performance.now();
    const map = new ZoneMap(
      await zonesByHost(this.db.kysely),
      this.conf.str('DEFAULT', 'default_availability_zone'),
      this.conf.str('DEFAULT', 'internal_service_availability_zone'),
    );
    if (gen === this.generation) this.cached = { at, map };
    return map;
  }

  /** Forget the map: aggregates changed. */
  invalidate(): void {
    this.generation++;
    this.cached = undefined;
  }
}
