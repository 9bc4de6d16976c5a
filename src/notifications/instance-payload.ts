// Nova's instance payloads (InstancePayload 1.9 and its subclasses) built
// from a server's record: the same field names, nesting and value formats
// (states by name, times as 'YYYY-MM-DDTHH:MM:SSZ', the flavor as a
// FlavorPayload), so consumers of Nova's notifications read them unchanged.
import type { Json } from '../rpc/bus.js';
import type { InstanceFlavor, InstanceRow } from '../db/schema.js';
import { apiTimeZ } from '../db/time.js';
import { versionedObject, type VersionedObject } from './envelope.js';

const POWER_STATE_NAMES: Readonly<Record<number, string>> = { 0: 'pending', 1: 'running', 3: 'paused', 4: 'shutdown', 6: 'crashed', 7: 'suspended' };

/** Who asked for the action, as Nova's payloads name them. */
export interface Initiator {
  readonly requestId: string | null;
  readonly userId: string | null;
  readonly projectId: string | null;
}

export function flavorPayload(f: InstanceFlavor): VersionedObject {
  return versionedObject('FlavorPayload', '1.4', {
    flavorid: f.flavorid,
    name: f.name,
    root_gb: f.root_gb,
    vcpus: f.vcpus,
    ephemeral_gb: f.ephemeral_gb,
    memory_mb: f.memory_mb,
    disabled: false,
    rxtx_factor: 1.0,
    extra_specs: { ...f.extra_specs },
    projects: null,
    swap: f.swap,
    is_public: true,
    vcpu_weight: 0,
    description: null,
  } as { [k: string]: Json });
}

function parseJson<T>(text: string | null, fallback: T): T {
  try {
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

/** The fields of InstancePayload. */
export function instanceData(inst: InstanceRow, who: Initiator): { [k: string]: Json } {
  const metadata = parseJson<Record<string, string>>(inst.metadata, {});
  return {
    uuid: inst.uuid,
    user_id: inst.user_id,
    tenant_id: inst.project_id,
    reservation_id: inst.reservation_id,
    display_name: inst.display_name,
    display_description: inst.display_description,
    host_name: inst.hostname,
    host: inst.host,
    node: inst.node,
    os_type: null,
    architecture: null,
    availability_zone: inst.availability_zone,
    flavor: flavorPayload(parseJson<InstanceFlavor>(inst.flavor, { id: 0, flavorid: '', name: '', memory_mb: 0, vcpus: 0, root_gb: 0, ephemeral_gb: 0, swap: 0, extra_specs: {} })) as unknown as Json,
    image_uuid: inst.image_ref,
    key_name: inst.key_name,
    kernel_id: '',
    ramdisk_id: '',
    created_at: apiTimeZ(inst.created_at),
    launched_at: apiTimeZ(inst.launched_at),
    terminated_at: apiTimeZ(inst.terminated_at),
    deleted_at: apiTimeZ(inst.deleted_at),
    updated_at: apiTimeZ(inst.updated_at),
    state: inst.deleted ? 'deleted' : inst.vm_state,
    power_state: POWER_STATE_NAMES[inst.power_state] ?? 'pending',
    task_state: inst.task_state,
    progress: inst.progress,
    ip_addresses: [],
    block_devices: [],
    metadata,
    locked: inst.locked_by !== null,
    auto_disk_config: inst.auto_disk_config === 1 ? 'AUTO' : 'MANUAL',
    request_id: who.requestId,
    action_initiator_user: who.userId,
    action_initiator_project: who.projectId,
    locked_reason: inst.locked_reason,
    shares: [],
  };
}

/** The payload kinds instance notifications use, with what each adds to InstancePayload. */
export type InstancePayloadKind = 'action' | 'create' | 'resize_prep';

/** A key pair as KeypairPayload 1.0 carries it. */
export interface KeypairFields {
  readonly user_id: string;
  readonly name: string;
  readonly fingerprint: string;
  readonly public_key: string;
  readonly type: string;
}

export function instancePayload(kind: InstancePayloadKind, inst: InstanceRow, who: Initiator, keypairs: readonly KeypairFields[] = []): VersionedObject {
  const data = { ...instanceData(inst, who), fault: null };
  if (kind === 'create') {
    const tags = parseJson<string[]>(inst.tags, []);
    return versionedObject('InstanceCreatePayload', '1.13', {
      ...data,
      keypairs: keypairs.map((k) => versionedObject('KeypairPayload', '1.0', { ...k }) as unknown as Json),
      tags,
      trusted_image_certificates: null,
      instance_name: `instance-${inst.id.toString(16).padStart(8, '0')}`,
    });
  }
  if (kind === 'resize_prep') {
    const next = inst.new_flavor ? parseJson<InstanceFlavor | null>(inst.new_flavor, null) : null;
    return versionedObject('InstanceActionResizePrepPayload', '1.4', { ...data, new_flavor: next ? (flavorPayload(next) as unknown as Json) : null });
  }
  return versionedObject('InstanceActionPayload', '1.9', data);
}
