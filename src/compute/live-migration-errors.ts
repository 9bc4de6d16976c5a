// Errors of live migration, named and worded as Nova's so that the
// synchronous (below 2.34) API path can hand them to the client unchanged.
// Pre-check failures are all 400-family: the API answers them with their text.
import { MagnetarError } from './errors.js';

export class ComputeServiceUnavailable extends MagnetarError {
  constructor(readonly host: string) {
    super('Invalid', `Compute service of ${host} is unavailable at this time.`);
  }
}

export class UnableToMigrateToSelf extends MagnetarError {
  constructor(instanceUuid: string, readonly host: string) {
    super('Invalid', `Unable to migrate instance (${instanceUuid}) to current host (${host}).`);
  }
}

export class MigrationPreCheckError extends MagnetarError {
  constructor(readonly reason: string) {
    super('Invalid', `Migration pre-check error: ${reason}`);
  }
}

export class InvalidHypervisorType extends MagnetarError {
  constructor() {
    super('Invalid', 'The supplied hypervisor type of is invalid.');
  }
}

export class DestinationHypervisorTooOld extends MagnetarError {
  constructor() {
    super('Invalid', 'The instance requires a newer hypervisor version than has been provided.');
  }
}

/** The scheduler-chosen destinations kept failing their pre-checks ([conductor] migrate_max_retries). */
export class MaxRetriesExceeded extends MagnetarError {
  constructor(reason: string) {
    super('Invalid', `Exceeded maximum number of retries. ${reason}`);
  }
}

export class InvalidMigrationState extends MagnetarError {
  constructor(migrationId: string | number, instanceUuid: string, state: string, method: string) {
    super(
      'Invalid',
      `Migration ${migrationId} state of instance ${instanceUuid} is ${state}. Cannot ${method} while the migration is in this state.`,
    );
  }
}

export class MigrationNotFoundForInstance extends MagnetarError {
  constructor(migrationId: string | number, instanceUuid: string) {
    super('NotFound', `Migration ${migrationId} not found for instance ${instanceUuid}`);
  }
}

/** Something unexpected broke the conductor's part of a live migration (a 500 for the synchronous API path). */
export class MigrationError extends Error {
  constructor(reason: string) {
    super(`Migration error: ${reason}`);
    this.name = 'MigrationError';
  }
}
