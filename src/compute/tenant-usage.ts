// os-simple-tenant-usage: what each project's servers used over a period —
// hours of running (from launch to termination, cut to the period) times
// their flavor's vCPUs, memory and disk. Deleted servers count for the time
// they ran inside the period.
import type { InstanceRow } from '../db/schema.js';
import { flavorOf } from '../db/instances.js';
import { isoOfMicros, microsOfDb, type Micros } from './usage-time.js';

export interface ServerUsage {
  readonly hours: number;
  readonly flavor: string;
  readonly instance_id: string;
  readonly name: string | null;
  readonly tenant_id: string;
  readonly memory_mb: number;
  readonly local_gb: number;
  readonly vcpus: number;
  readonly started_at: string;
  readonly ended_at: string | null;
  readonly state: string;
  readonly uptime: number;
}

export interface TenantUsage {
  tenant_id: string;
  server_usages?: ServerUsage[];
  total_local_gb_usage: number;
  total_vcpus_usage: number;
  total_memory_mb_usage: number;
  total_hours: number;
  start: string;
  stop: string;
}

const HOUR: Micros = 3_600_000_000;

/** Hours a server ran inside [start, stop]; none before it was launched. */
export function hoursInPeriod(launched: Micros | null, terminated: Micros | null, start: Micros, stop: Micros): number {
  if (terminated !== null && terminated < start) return 0;
  if (launched === null || launched > stop) return 0;
  const from = Math.max(launched, start);
  const to = terminated !== null ? Math.min(stop, terminated) : stop;
  return (to - from) / HOUR;
}

/**
 * Per-project summaries in the order the servers come (by project), and every
 * server's usage (which pages are cut by). `detailed` puts the servers'
 * usages in their project's summary.
 */
export function tenantUsages(rows: readonly InstanceRow[], start: Micros, stop: Micros, now: Micros, detailed: boolean): { usages: TenantUsage[]; servers: ServerUsage[] } {
  const byProject = new Map<string, TenantUsage>();
  const servers: ServerUsage[] = [];
  for (const row of rows) {
    // The window query only returns launched servers.
    if (row.launched_at === null) continue;
    const launched = microsOfDb(row.launched_at);
    const terminated = row.terminated_at === null ? null : microsOfDb(row.terminated_at);
    const hours = hoursInPeriod(launched, terminated, start, stop);
    const flavor = flavorOf(row);
    const usage: ServerUsage = {
      hours,
      flavor: flavor.name,
      instance_id: row.uuid,
      name: row.display_name,
      tenant_id: row.project_id,
      memory_mb: flavor.memory_mb,
      local_gb: flavor.root_gb + flavor.ephemeral_gb,
      vcpus: flavor.vcpus,
      started_at: isoOfMicros(launched),
      ended_at: terminated === null ? null : isoOfMicros(terminated),
      state: terminated === null ? row.vm_state : 'terminated',
      uptime: Math.trunc(((terminated ?? now) - launched) / 1_000_000),
    };
    let summary = byProject.get(row.project_id);
    if (!summary) {
      summary = {
        tenant_id: row.project_id,
        ...(detailed && { server_usages: [] }),
        total_local_gb_usage: 0,
        total_vcpus_usage: 0,
        total_memory_mb_usage: 0,
        total_hours: 0,
        start: isoOfMicros(start),
        stop: isoOfMicros(stop),
      };
      byProject.set(row.project_id, summary);
    }
    summary.total_local_gb_usage += usage.local_gb * hours;
    summary.total_vcpus_usage += usage.vcpus * hours;
    summary.total_memory_mb_usage += usage.memory_mb * hours;
    summary.total_hours += hours;
    servers.push(usage);
    summary.server_usages?.push(usage);
  }
  return { usages: [...byProject.values()], servers };
}
