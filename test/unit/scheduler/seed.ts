// Seeds compute hosts (service + compute node rows) and instances directly,
// so scheduler tests need nothing but the database.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../../src/db/connect.js';
import { dbTime } from '../../../src/db/time.js';

export interface HostSeed {
  readonly host: string;
  readonly vcpus?: number;
  readonly memory_mb?: number;
  readonly local_gb?: number;
  readonly cpu_allocation_ratio?: number;
  readonly ram_allocation_ratio?: number;
  readonly disk_allocation_ratio?: number;
  readonly disabled?: boolean;
  readonly forced_down?: boolean;
  /** Last heartbeat; default `now`. */
  readonly last_seen_up?: Date;
  readonly binary?: string;
}

/** Inserts a nova-compute service and its compute node; returns the node uuid. */
export async function seedHost(db: Db, now: Date, s: HostSeed): Promise<string> {
  const created = dbTime(new Date(now.getTime() - 3600_000));
  const svc = await db.kysely
    .insertInto('services')
    .values({
      uuid: randomUUID(),
      host: s.host,
      binary: s.binary ?? 'nova-compute',
      topic: 'compute',
      report_count: 1,
      disabled: s.disabled ? 1 : 0,
      disabled_reason: s.disabled ? 'test' : null,
      forced_down: s.forced_down ? 1 : 0,
      last_seen_up: dbTime(s.last_seen_up ?? now),
      version: 1,
      created_at: created,
      updated_at: null,
      deleted: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const nodeUuid = randomUUID();
  await db.kysely
    .insertInto('compute_nodes')
    .values({
      uuid: nodeUuid,
      service_id: svc.id,
      host: s.host,
      hypervisor_hostname: `${s.host}.local`,
      hypervisor_type: 'fake',
      hypervisor_version: 1000,
      host_ip: `192.0.2.${svc.id}`,
      cpu_info: '{}',
      vcpus: s.vcpus ?? 16,
      memory_mb: s.memory_mb ?? 32768,
      local_gb: s.local_gb ?? 500,
      cpu_allocation_ratio: s.cpu_allocation_ratio ?? 1,
      ram_allocation_ratio: s.ram_allocation_ratio ?? 1,
      disk_allocation_ratio: s.disk_allocation_ratio ?? 1,
      created_at: created,
      updated_at: null,
      deleted: 0,
    })
    .execute();
  return nodeUuid;
}

/** Inserts a running instance on `host`; returns its uuid. */
export async function seedInstance(db: Db, now: Date, host: string, uuid: string = randomUUID()): Promise<string> {
  await db.kysely
    .insertInto('instances')
    .values({
      uuid,
      project_id: 'p1',
      user_id: 'u1',
      display_name: 'vm',
      display_description: null,
      hostname: 'vm',
      vm_state: 'active',
      task_state: null,
      power_state: 1,
      host,
      node: `${host}.local`,
      availability_zone: 'nova',
      flavor: '{}',
      old_flavor: null,
      new_flavor: null,
      image_ref: 'cirros',
      key_name: null,
      metadata: '{}',
      tags: '[]',
      access_ip_v4: null,
      access_ip_v6: null,
      locked_by: null,
      locked_reason: null,
      progress: 0,
      config_drive: '',
      user_data: null,
      reservation_id: 'r-1',
      launch_index: 0,
      admin_pass: null,
      scheduler_hints: '{}',
      requested_networks: '[]',
      launched_at: null,
      terminated_at: null,
      created_at: dbTime(now),
      updated_at: null,
      deleted_at: null,
      deleted: 0,
    })
    .execute();
  return uuid;
}
