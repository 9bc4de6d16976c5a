// Request body of os-migrateLive per microversion range: 2.1–2.24 needs
// block_migration, disk_over_commit and host; 2.25 drops disk_over_commit and
// allows block_migration "auto"; 2.30–2.67 add an optional `force`.
import type { JsonSchema } from '../validation.js';
import { BOOLISH, HOSTNAME_OR_NULL } from '../validation.js';
import type { Versioned } from '../router.js';

const BLOCK_MIGRATION_OR_AUTO = { enum: [...BOOLISH.enum, 'auto'] } as const;

function migrateLive(properties: Record<string, unknown>, required: readonly string[]): JsonSchema {
  return {
    type: 'object',
    properties: {
      'os-migrateLive': { type: 'object', properties, required: [...required], additionalProperties: false },
    },
    required: ['os-migrateLive'],
    additionalProperties: false,
  };
}

export const MIGRATE_LIVE_BODY: readonly Versioned<JsonSchema>[] = [
  {
    max: '2.24',
    schema: migrateLive({ block_migration: BOOLISH, disk_over_commit: BOOLISH, host: HOSTNAME_OR_NULL }, ['block_migration', 'disk_over_commit', 'host']),
  },
  { min: '2.25', max: '2.29', schema: migrateLive({ block_migration: BLOCK_MIGRATION_OR_AUTO, host: HOSTNAME_OR_NULL }, ['block_migration', 'host']) },
  {
    min: '2.30',
    max: '2.67',
    schema: migrateLive({ block_migration: BLOCK_MIGRATION_OR_AUTO, host: HOSTNAME_OR_NULL, force: BOOLISH }, ['block_migration', 'host']),
  },
  { min: '2.68', schema: migrateLive({ block_migration: BLOCK_MIGRATION_OR_AUTO, host: HOSTNAME_OR_NULL }, ['block_migration', 'host']) },
];
