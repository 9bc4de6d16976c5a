// The three resources the scheduler counts, and how much of each a node can
// hand out once its allocation ratio is applied (as placement computes it).

export interface Resources {
  readonly vcpus: number;
  readonly memory_mb: number;
  readonly disk_gb: number;
}

/** Totals and ratios of one compute node, as stored on its row. */
export interface NodeInventory {
  readonly vcpus: number;
  readonly memory_mb: number;
  readonly local_gb: number;
  readonly cpu_allocation_ratio: number;
  readonly ram_allocation_ratio: number;
  readonly disk_allocation_ratio: number;
}

// Ratios are stored as single-precision reals (0.9 reads back as
// 0.899999976...); rounding them keeps 10 × 0.9 from allowing only 8.
const ratio = (r: number): number => Math.round(r * 1e6) / 1e6;

/** What the node can hand out in total: total × allocation ratio. */
export function capacityOf(node: NodeInventory): Resources {
  return {
    vcpus: node.vcpus * ratio(node.cpu_allocation_ratio),
    memory_mb: node.memory_mb * ratio(node.ram_allocation_ratio),
    disk_gb: node.local_gb * ratio(node.disk_allocation_ratio),
  };
}

/** What is left on the node after `used` (may be negative when overcommitted by a ratio change). */
export function freeOf(node: NodeInventory, used: Resources): Resources {
  const cap = capacityOf(node);
  return {
    vcpus: cap.vcpus - used.vcpus,
    memory_mb: cap.memory_mb - used.memory_mb,
    disk_gb: cap.disk_gb - used.disk_gb,
  };
}

/**
 * Whether `want` fits next to `used` on the node, resource by resource. A
 * resource not asked for (0) is not checked, as placement leaves it out of
 * the request — an overcommitted CPU does not block a RAM-only claim.
 */
export function fits(node: NodeInventory, used: Resources, want: Resources): boolean {
  const cap = capacityOf(node);
  const ok = (u: number, w: number, c: number): boolean => w <= 0 || u + w <= c;
  return (
    ok(used.vcpus, want.vcpus, cap.vcpus) &&
    ok(used.memory_mb, want.memory_mb, cap.memory_mb) &&
    ok(used.disk_gb, want.disk_gb, cap.disk_gb)
  );
}

export function addResources(a: Resources, b: Resources): Resources {
  return { vcpus: a.vcpus + b.vcpus, memory_mb: a.memory_mb + b.memory_mb, disk_gb: a.disk_gb + b.disk_gb };
}
