// The resource rows of GET /os-hosts/{host_name}: the node's totals, what it
// has in use now, what its servers' flavors add up to, then one row per
// project with servers there.
import type { ComputeNodeRow, InstanceRow } from '../../db/schema.js';
import type { NodeUsage } from '../../db/compute-nodes.js';
import { flavorOf } from '../../db/instances.js';

export interface HostResource {
  readonly resource: { host: string; project: string; cpu: number; memory_mb: number; disk_gb: number };
}

export function hostResources(host: string, node: ComputeNodeRow, used: NodeUsage, servers: readonly InstanceRow[]): HostResource[] {
  const row = (project: string, cpu: number, memory_mb: number, disk_gb: number): HostResource => ({ resource: { host, project, cpu, memory_mb, disk_gb } });
  const total = row('(used_max)', 0, 0, 0);
  const byProject = new Map<string, HostResource>();
  for (const s of servers) {
    const f = flavorOf(s);
    const disk = f.root_gb + f.ephemeral_gb;
    let p = byProject.get(s.project_id);
    if (!p) byProject.set(s.project_id, (p = row(s.project_id, 0, 0, 0)));
    for (const r of [total.resource, p.resource]) {
      r.cpu += f.vcpus;
      r.memory_mb += f.memory_mb;
      r.disk_gb += disk;
    }
  }
  return [
    row('(total)', node.vcpus, node.memory_mb, node.local_gb),
    row('(used_now)', used.vcpus_used, used.memory_mb_used, used.local_gb_used),
    total,
    ...byProject.values(),
  ];
}
