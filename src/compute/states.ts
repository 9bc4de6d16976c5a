// vm_state, task_state and power_state values, and the `status` a client sees.

export const VmState = {
  ACTIVE: 'active',
  BUILDING: 'building',
  PAUSED: 'paused',
  SUSPENDED: 'suspended',
  STOPPED: 'stopped',
  RESCUED: 'rescued',
  RESIZED: 'resized',
  SOFT_DELETED: 'soft-delete',
  DELETED: 'deleted',
  ERROR: 'error',
  SHELVED: 'shelved',
  SHELVED_OFFLOADED: 'shelved_offloaded',
} as const;

export const TaskState = {
  SCHEDULING: 'scheduling',
  BLOCK_DEVICE_MAPPING: 'block_device_mapping',
  NETWORKING: 'networking',
  SPAWNING: 'spawning',
  RESIZE_PREP: 'resize_prep',
  RESIZE_MIGRATING: 'resize_migrating',
  RESIZE_MIGRATED: 'resize_migrated',
  RESIZE_FINISH: 'resize_finish',
  RESIZE_REVERTING: 'resize_reverting',
  RESIZE_CONFIRMING: 'resize_confirming',
  REBOOTING: 'rebooting',
  REBOOT_PENDING: 'reboot_pending',
  REBOOT_STARTED: 'reboot_started',
  REBOOTING_HARD: 'rebooting_hard',
  REBOOT_PENDING_HARD: 'reboot_pending_hard',
  REBOOT_STARTED_HARD: 'reboot_started_hard',
  PAUSING: 'pausing',
  UNPAUSING: 'unpausing',
  SUSPENDING: 'suspending',
  RESUMING: 'resuming',
  POWERING_OFF: 'powering-off',
  POWERING_ON: 'powering-on',
  REBUILDING: 'rebuilding',
  REBUILD_BLOCK_DEVICE_MAPPING: 'rebuild_block_device_mapping',
  REBUILD_SPAWNING: 'rebuild_spawning',
  MIGRATING: 'migrating',
  DELETING: 'deleting',
  SOFT_DELETING: 'soft-deleting',
  RESTORING: 'restoring',
  RESCUING: 'rescuing',
  UNRESCUING: 'unrescuing',
  UPDATING_PASSWORD: 'updating_password',
  IMAGE_SNAPSHOT_PENDING: 'image_snapshot_pending',
  IMAGE_SNAPSHOT: 'image_snapshot',
  IMAGE_BACKUP: 'image_backup',
  IMAGE_PENDING_UPLOAD: 'image_pending_upload',
  IMAGE_UPLOADING: 'image_uploading',
  SHELVING: 'shelving',
  SHELVING_IMAGE_PENDING_UPLOAD: 'shelving_image_pending_upload',
  SHELVING_IMAGE_UPLOADING: 'shelving_image_uploading',
  SHELVING_OFFLOADING: 'shelving_offloading',
  UNSHELVING: 'unshelving',
} as const;

/** Whether a task is a delete or soft delete in progress. */
export const isDeleting = (task: string | null): boolean => task === TaskState.DELETING || task === TaskState.SOFT_DELETING;

export const POWER_STATE = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;

const REBOOT = ['rebooting', 'reboot_pending', 'reboot_started'];
const HARD_REBOOT = ['rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard'];
const REBUILD = ['rebuilding', 'rebuild_block_device_mapping', 'rebuild_spawning'];
const RESIZE = ['resize_prep', 'resize_migrating', 'resize_migrated', 'resize_finish'];

/** vm_state → (task_state → status) overrides, and the default status. */
const STATUS_MAP: Readonly<Record<string, { readonly default: string; readonly tasks: Readonly<Record<string, string>> }>> = {
  active: {
    default: 'ACTIVE',
    tasks: {
      ...Object.fromEntries(REBOOT.map((t) => [t, 'REBOOT'])),
      ...Object.fromEntries(HARD_REBOOT.map((t) => [t, 'HARD_REBOOT'])),
      updating_password: 'PASSWORD',
      ...Object.fromEntries(REBUILD.map((t) => [t, 'REBUILD'])),
      migrating: 'MIGRATING',
      ...Object.fromEntries(RESIZE.map((t) => [t, 'RESIZE'])),
    },
  },
  building: { default: 'BUILD', tasks: {} },
  stopped: {
    default: 'SHUTOFF',
    tasks: { ...Object.fromEntries(RESIZE.map((t) => [t, 'RESIZE'])), ...Object.fromEntries(REBUILD.map((t) => [t, 'REBUILD'])) },
  },
  resized: { default: 'VERIFY_RESIZE', tasks: { resize_reverting: 'REVERT_RESIZE' } },
  paused: { default: 'PAUSED', tasks: { migrating: 'MIGRATING' } },
  suspended: { default: 'SUSPENDED', tasks: {} },
  rescued: { default: 'RESCUE', tasks: {} },
  error: { default: 'ERROR', tasks: Object.fromEntries(REBUILD.map((t) => [t, 'REBUILD'])) },
  deleted: { default: 'DELETED', tasks: {} },
  'soft-delete': { default: 'SOFT_DELETED', tasks: {} },
  shelved: { default: 'SHELVED', tasks: {} },
  shelved_offloaded: { default: 'SHELVED_OFFLOADED', tasks: {} },
};

export function serverStatus(vmState: string, taskState: string | null, deleted = false): string {
  if (deleted) return 'DELETED';
  const entry = STATUS_MAP[vmState];
  if (!entry) return 'UNKNOWN';
  return (taskState !== null && entry.tasks[taskState]) || entry.default;
}

/** The (vm_state, task_states) pairs that show a status; null task list = any task state not mapped elsewhere. */
export function statusToStates(status: string): Array<{ vmState: string; taskStates: string[] | null; excludeTasks: string[] }> {
  const out: Array<{ vmState: string; taskStates: string[] | null; excludeTasks: string[] }> = [];
  for (const [vm, entry] of Object.entries(STATUS_MAP)) {
    const tasks = Object.entries(entry.tasks).filter(([, s]) => s === status).map(([t]) => t);
    if (tasks.length > 0) out.push({ vmState: vm, taskStates: tasks, excludeTasks: [] });
    if (entry.default === status) out.push({ vmState: vm, taskStates: null, excludeTasks: Object.keys(entry.tasks) });
  }
  return out;
}

export const KNOWN_STATUSES: ReadonlySet<string> = new Set(
  Object.values(STATUS_MAP).flatMap((e) => [e.default, ...Object.values(e.tasks)]).concat(['DELETED', 'UNKNOWN']),
);

export const PROGRESS_STATUSES: ReadonlySet<string> = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);
