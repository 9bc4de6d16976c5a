// Errors of the bus itself (as opposed to a handler's errors, which travel as
// RemoteError or the caller's own rebuilt classes).

/** The bus was closed by its owner; no more messages go out or come back. */
export class BusClosed extends Error {
  constructor() {
    super('The message bus is closed');
    this.name = 'BusClosed';
  }
}

/** The broker cannot be reached, or the connection to it was lost. */
export class MessagingUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MessagingUnavailable';
  }
}
