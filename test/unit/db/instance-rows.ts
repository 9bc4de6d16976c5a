// A server's row as the database tests write it directly: project p1, user
// u1, on host h1, active with no task unless told otherwise.
import type { NewInstance } from '../../../src/db/schema.js';
import { dbTime } from '../../../src/db/time.js';

export function newInstanceRow(uuid: string, flavor: string, now: Date, over: Partial<NewInstance> = {}): NewInstance {
  return {
    uuid, project_id: 'p1', user_id: 'u1', display_name: uuid, display_description: null, hostname: uuid, vm_state: 'active', task_state: null,
    power_state: 1, host: 'h1', node: 'h1', availability_zone: 'nova', flavor, old_flavor: null, new_flavor: null, image_ref: 'cirros',
    key_name: null, metadata: '{}', tags: '[]', access_ip_v4: null, access_ip_v6: null, locked_by: null, locked_reason: null, progress: 0,
    config_drive: '', user_data: null, reservation_id: 'r-1', launch_index: 0, admin_pass: null, scheduler_hints: '{}', requested_networks: '[]',
    launched_at: null, terminated_at: null, created_at: dbTime(now), updated_at: null, deleted_at: null, deleted: 0,
    ...over,
  } as NewInstance;
}
