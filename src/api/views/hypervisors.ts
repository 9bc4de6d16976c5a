// Hypervisor bodies per microversion: integer ids before 2.53 and uuids
// from it; cpu_info as a JSON string before 2.28 and an object from it; the
// usage fields until 2.87 and `uptime` instead from 2.88; `servers` when asked.
import type { RequestContext } from '../context.js';
import type { ComputeNodeRow, ServiceRow } from '../../db/schema.js';
import type { NodeUsage } from '../../db/compute-nodes.js';

export interface HypervisorFacts {
  readonly node: ComputeNodeRow;
  readonly service: ServiceRow;
  readonly up: boolean;
  /** Needed by detail views below 2.88. */
  readonly usage?: NodeUsage;
  /** Needed by detail views from 2.88. */
  readonly uptime?: string | null;
  /** Present when servers were asked for. */
  readonly servers?: ReadonlyArray<{ uuid: string; display_name: string }>;
}

function cpuInfo(ctx: RequestContext, raw: string): unknown {
  if (ctx.version.below('2.28')) return raw;
  if (!raw) return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return {};
  }
}

export function hypervisorView(ctx: RequestContext, h: HypervisorFacts, detail: boolean, withServers = false): Record<string, unknown> {
  const uuids = ctx.version.atLeast('2.53');
  const { node, service } = h;
  const out: Record<string, unknown> = {
    id: uuids ? node.uuid : node.id,
    hypervisor_hostname: node.hypervisor_hostname,
    state: h.up ? 'up' : 'down',
    status: service.disabled ? 'disabled' : 'enabled',
  };
  if (detail) {
    out['hypervisor_type'] = node.hypervisor_type;
    out['hypervisor_version'] = node.hypervisor_version;
    out['host_ip'] = node.host_ip;
    out['service'] = { id: uuids ? service.uuid : service.id, host: node.host, disabled_reason: service.disabled_reason };
    if (ctx.version.below('2.88')) {
      const u = h.usage ?? { vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, running_vms: 0, current_workload: 0 };
      const freeDisk = node.local_gb - u.local_gb_used;
      Object.assign(out, {
        vcpus: node.vcpus,
        memory_mb: node.memory_mb,
        local_gb: node.local_gb,
        vcpus_used: u.vcpus_used,
        memory_mb_used: u.memory_mb_used,
        local_gb_used: u.local_gb_used,
        free_ram_mb: node.memory_mb - u.memory_mb_used,
        free_disk_gb: freeDisk,
        current_workload: u.current_workload,
        running_vms: u.running_vms,
        disk_available_least: freeDisk,
        cpu_info: cpuInfo(ctx, node.cpu_info),
      });
    } else {
      out['uptime'] = h.uptime ?? null;
    }
  }
  const servers = h.servers ?? [];
  // Before 2.75 an empty server list is left out; from 2.75 it is shown when asked for.
  if (servers.length > 0) out['servers'] = servers.map((s) => ({ name: s.display_name, uuid: s.uuid }));
  else if (withServers && ctx.version.atLeast('2.75')) out['servers'] = [];
  return out;
}
