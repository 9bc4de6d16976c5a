// `get_diagnostics` / `get_instance_diagnostics`: a guest's resource figures
// as the hypervisor reports them, in Nova's two forms — the free-form
// dictionary of the libvirt driver (before 2.48) and the standard form
// (2.48). Only a running guest has figures: otherwise a 409 naming the
// server's power state, as Nova's compute manager answers.
import type { Handlers, Json } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { getInstance } from '../db/instances.js';
import type { InstanceRow } from '../db/schema.js';
import { InstanceInvalidState, InstanceNotFound } from '../compute/errors.js';
import { PowerState, type GuestDiagnostics } from '../virt/driver.js';

/** Nova's names of power states, as its messages and the 2.48 `state` show them. */
const POWER_STATE_NAMES: Readonly<Record<number, string>> = {
  0: 'pending',
  1: 'running',
  3: 'paused',
  4: 'shutdown',
  6: 'crashed',
  7: 'suspended',
};

/**
 * The 2.48 form. `driver` is one of the names the API defines; the simulated
 * hypervisor reports as libvirt with kvm, as Nova's own fake driver does.
 */
export function standardDiagnostics(d: GuestDiagnostics, inst: Pick<InstanceRow, 'config_drive'>): { [k: string]: Json } {
  return {
    state: POWER_STATE_NAMES[d.powerState] ?? 'pending',
    driver: 'libvirt',
    hypervisor: d.hypervisor,
    hypervisor_os: d.hypervisorOs,
    uptime: d.uptime,
    config_drive: inst.config_drive !== '',
    num_cpus: d.cpus.length,
    num_nics: 0,
    num_disks: d.disks.length,
    memory_details: { maximum: d.memory.maximumMb, used: d.memory.usedMb },
    cpu_details: d.cpus.map((c) => ({ id: c.id, time: c.timeNs, utilisation: c.utilisation })),
    nic_details: [],
    disk_details: d.disks.map((x) => ({
      read_bytes: x.readBytes,
      read_requests: x.readRequests,
      write_bytes: x.writeBytes,
      write_requests: x.writeRequests,
      errors_count: x.errors,
    })),
  };
}

/** The free form of before 2.48, keyed as the libvirt driver keys it (memory in KiB). */
export function legacyDiagnostics(d: GuestDiagnostics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of d.cpus) out[`cpu${c.id}_time`] = c.timeNs;
  out['memory'] = d.memory.maximumMb * 1024;
  out['memory-actual'] = d.memory.maximumMb * 1024;
  out['memory-rss'] = d.memory.usedMb * 1024;
  for (const x of d.disks) {
    out[`${x.name}_read`] = x.readBytes;
    out[`${x.name}_read_req`] = x.readRequests;
    out[`${x.name}_write`] = x.writeBytes;
    out[`${x.name}_write_req`] = x.writeRequests;
    out[`${x.name}_errors`] = x.errors;
  }
  return out;
}

export function diagnosticsHandlers(ctx: AgentContext): Handlers {
  /** The running guest's figures and its server, or the error Nova gives. */
  const read = async (uuid: string): Promise<{ d: GuestDiagnostics; inst: InstanceRow }> => {
    const inst = await getInstance(ctx.db.kysely, uuid);
    const d = ctx.driver.diagnostics(uuid);
    if (!inst || !d) throw new InstanceNotFound(uuid);
    if (d.powerState !== PowerState.RUNNING)
      throw new InstanceInvalidState(uuid, 'get_diagnostics', 'power state', POWER_STATE_NAMES[inst.power_state] ?? String(inst.power_state));
    return { d, inst };
  };
  return {
    async get_diagnostics(args) {
      const { d } = await read(String(args['instance_uuid']));
      return legacyDiagnostics(d);
    },
    async get_instance_diagnostics(args) {
      const { d, inst } = await read(String(args['instance_uuid']));
      return standardDiagnostics(d, inst);
    },
  };
}
