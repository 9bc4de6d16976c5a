// Domain errors. Each belongs to a family (as Nova's exceptions do) and
// api/faults.ts maps families to HTTP; a handler that needs another code for
// a particular error catches it and says so at its edge.

export type ErrorFamily =
  | 'Invalid' // 400
  | 'Unauthorized' // 401
  | 'Forbidden' // 403
  | 'NotFound' // 404
  | 'Conflict' // 409
  | 'Gone' // 410
  | 'TooLarge' // 413
  | 'NotImplemented' // 501
  | 'Unavailable'; // 503

export class MagnetarError extends Error {
  readonly family: ErrorFamily;
  constructor(family: ErrorFamily, message: string) {
    super(message);
    this.family = family;
    this.name = new.target.name;
  }
}

const define = (family: ErrorFamily) =>
  class extends MagnetarError {
    constructor(message: string) {
      super(family, message);
    }
  };

export class Invalid extends define('Invalid') {}
export class NotFound extends define('NotFound') {}
export class Conflict extends define('Conflict') {}
export class Forbidden extends define('Forbidden') {}

export class InstanceNotFound extends MagnetarError {
  constructor(readonly instanceId: string) {
    super('NotFound', `Instance ${instanceId} could not be found.`);
  }
}

export class InstanceIsLocked extends MagnetarError {
  constructor(readonly instanceUuid: string) {
    super('Conflict', `Instance ${instanceUuid} is locked`);
  }
}

/** A state guard failed. `attr`/`state` are null when the offending value was null. */
export class InstanceInvalidState extends MagnetarError {
  constructor(
    readonly instanceUuid: string,
    readonly action: string,
    readonly attr: string | null,
    readonly state: string | number | null,
  ) {
    super(
      'Conflict',
      attr !== null && state !== null
        ? `Cannot '${action}' instance ${instanceUuid} while it is in ${attr} ${state}`
        : `Instance ${instanceUuid} is in an invalid state for '${action}'`,
    );
  }
}

/** The hypervisor offers no remote console of the kind asked for. */
export class ConsoleNotSupported extends MagnetarError {
  constructor() {
    super('NotImplemented', 'The requested functionality is not supported.');
  }
}

export class InstanceNotReady extends MagnetarError {
  constructor(readonly instanceUuid: string) {
    super('Conflict', `Instance ${instanceUuid} is not ready`);
  }
}

export class ServiceUnavailable extends MagnetarError {
  constructor() {
    super('Conflict', 'Service is unavailable at this time.');
  }
}

export class ComputeHostNotFound extends MagnetarError {
  constructor(readonly host: string) {
    super('NotFound', `Compute host ${host} could not be found.`);
  }
}

export class FlavorNotFound extends MagnetarError {
  constructor(readonly flavorId: string) {
    super('NotFound', `Flavor ${flavorId} could not be found.`);
  }
}

export class MigrationNotFound extends MagnetarError {
  constructor(message: string) {
    super('NotFound', message);
  }
}

/** The scheduler found no host that passes every filter. */
export class NoValidHost extends MagnetarError {
  constructor(reason: string) {
    super('Invalid', `No valid host was found. ${reason}`.trim());
  }
}

/** Something that failed on a compute host (driver step, pre-check). */
export class ComputeTaskError extends MagnetarError {
  constructor(message: string) {
    super('Invalid', message);
  }
}

/** Rebuilds a domain error that crossed the bus, by its name. */
export function rebuildError(name: string, message: string, fields: Readonly<Record<string, unknown>>): Error {
  const family = typeof fields['family'] === 'string' ? (fields['family'] as ErrorFamily) : undefined;
  if (family) {
    const e = new MagnetarError(family, message);
    Object.defineProperty(e, 'name', { value: name });
    return e;
  }
  const e = new Error(message);
  e.name = name;
  return e;
}
