/** A hard policy check failed; the API answers 403 with this message. */
export class PolicyNotAuthorized extends Error {
  readonly rule: string;

  constructor(rule: string) {
    super(`Policy doesn't allow ${rule} to be performed.`);
    this.name = 'PolicyNotAuthorized';
    this.rule = rule;
  }
}

/** A policy override file could not be read as a mapping of rule name to check string. */
export class PolicyFileInvalid extends Error {
  readonly path: string;

  constructor(path: string, reason: string) {
    super(`Invalid policy file ${path}: ${reason}`);
    this.name = 'PolicyFileInvalid';
    this.path = path;
  }
}
