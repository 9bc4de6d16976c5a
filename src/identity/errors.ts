// Keystone's refusals as the identity routes raise them; the app answers each
// with its code and Keystone's error body.
export class IdentityError extends Error {
  constructor(
    readonly code: 400 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'IdentityError';
  }
}

export const notFound = (kind: string, id: string): IdentityError => new IdentityError(404, `Could not find ${kind}: ${id}.`);

/** Keystone's duplicate-name conflict; `domainId` is named for records that live in a domain. */
export const duplicate = (type: string, name: string, domainId?: string): IdentityError =>
  new IdentityError(
    409,
    `Conflict occurred attempting to store ${type} - Duplicate entry found with name ${name}${domainId !== undefined ? ` at domain ID ${domainId}` : ''}.`,
  );

export const invalid = (message: string): IdentityError => new IdentityError(400, message);

/** Records seeded from the configuration are fixed: the configuration, not the API, changes them. */
export const configured = (kind: string, id: string): IdentityError =>
  new IdentityError(403, `The ${kind} ${id} is defined by the [identity] configuration and cannot be changed through the API.`);
