// The one place where errors become HTTP: Nova's fault envelope
// {"<faultName>": {"code", "message"}} and the status of each error family.
import { InstanceInvalidState, MagnetarError, type ErrorFamily } from '../compute/errors.js';
import { PolicyNotAuthorized } from '../policy/errors.js';
import { NetworkServiceUnavailable, NeutronRequestError } from '../compute/neutron/client.js';

const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

const FAMILY_STATUS: Readonly<Record<ErrorFamily, number>> = {
  Invalid: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  Gone: 410,
  TooLarge: 413,
  NotImplemented: 501,
  Unavailable: 503,
};

/** An error that already knows its HTTP status (raised by the API layer itself). */
export class HttpFault extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpFault';
  }
}

export const badRequest = (m: string): HttpFault => new HttpFault(400, m);
export const notFound = (m = 'The resource could not be found.'): HttpFault => new HttpFault(404, m);
export const conflict = (m: string): HttpFault => new HttpFault(409, m);
export const forbidden = (m: string): HttpFault => new HttpFault(403, m);

export function faultBody(status: number, message: string): Record<string, { code: number; message: string }> {
  return { [FAULT_NAMES[status] ?? 'computeFault']: { code: status, message } };
}

export const UNEXPECTED_MESSAGE =
  'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.';

/** Status and message a client gets for an error; `expected` false means a 500 to log. */
export function toFault(err: unknown): { status: number; message: string; expected: boolean } {
  if (err instanceof HttpFault) return { status: err.status, message: err.message, expected: true };
  if (err instanceof PolicyNotAuthorized) return { status: 403, message: err.message, expected: true };
  if (err instanceof MagnetarError) return { status: FAMILY_STATUS[err.family], message: err.message, expected: true };
  // A refusal of the network service that no handler translated is the client's
  // mistake: it reaches the client with the network service's words, not as a 500.
  // (A 401 is the compute side's own credentials failing: the service is unavailable.)
  if (err instanceof NeutronRequestError && err.status >= 400 && err.status < 500 && err.status !== 401) {
    const status = FAULT_NAMES[err.status] !== undefined ? err.status : 400;
    return { status, message: err.detail || err.message, expected: true };
  }
  if (err instanceof NetworkServiceUnavailable) return { status: 503, message: `The network service is unavailable: ${err.message}`, expected: true };
  if (err instanceof NeutronRequestError && err.status === 401) return { status: 503, message: 'The network service is unavailable: it refused the compute service\'s credentials', expected: true };
  const name = err instanceof Error ? err.name : 'Error';
  return { status: 500, message: `${UNEXPECTED_MESSAGE}\n<class '${name}'>`, expected: false };
}

/**
 * Nova names the server in a state conflict by the id the client sent and,
 * where the route gives one, by the API's action name. Other errors pass as they are.
 */
export function withServerIdAsGiven(err: unknown, serverId: string, action?: string): unknown {
  if (err instanceof InstanceInvalidState) return new InstanceInvalidState(serverId, action ?? err.action, err.attr, err.state);
  return err;
}
