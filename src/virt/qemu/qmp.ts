// A client of the QEMU Machine Protocol: JSON lines over the guest's unix
// socket. On connect QEMU sends its greeting; `qmp_capabilities` leaves
// negotiation mode; then commands are answered in order, with asynchronous
// events (STOP, RESUME, SHUTDOWN, MIGRATION…) interleaved.
import { createConnection, type Socket } from 'node:net';

export type QmpValue = null | boolean | number | string | QmpValue[] | { [k: string]: QmpValue };

export interface QmpEvent {
  readonly event: string;
  readonly data?: { [k: string]: QmpValue };
  readonly timestamp?: { seconds: number; microseconds: number };
}

/** QEMU answered a command with an error; `qmpClass` is its class (e.g. GenericError). */
export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly qmpClass: string,
    message: string,
  ) {
    super(message);
    this.name = 'QmpError';
  }
}

interface Pending {
  readonly command: string;
  resolve(v: QmpValue): void;
  reject(e: Error): void;
}

export class QmpClient {
  private buffer = '';
  private readonly pending: Pending[] = [];
  private readonly listeners = new Set<(e: QmpEvent) => void>();
  private closedError: Error | null = null;
  private readonly closeWaiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('QMP connection closed')));
  }

  /** Connects, reads the greeting and negotiates capabilities. */
  static async connect(path: string, timeoutMs = 5000): Promise<QmpClient> {
    const socket = createConnection(path);
    const client = new QmpClient(socket);
    const greeting = new Promise<void>((resolve, reject) => {
      client.pending.push({ command: '(greeting)', resolve: () => resolve(), reject });
    });
    const timer = setTimeout(() => socket.destroy(new Error(`no QMP greeting on ${path} within ${timeoutMs} ms`)), timeoutMs);
    try {
      await greeting;
      await client.execute('qmp_capabilities');
    } catch (e) {
      socket.destroy();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  /** Runs a command; resolves with its `return`, rejects with a QmpError. */
  execute(command: string, args?: { [k: string]: QmpValue }): Promise<QmpValue> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<QmpValue>((resolve, reject) => {
      this.pending.push({ command, resolve, reject });
      this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    });
  }

  onEvent(fn: (e: QmpEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves with the first event named `name` (matching `match`), or rejects after `timeoutMs` or when the connection ends. */
  waitEvent(name: string, timeoutMs: number, match: (e: QmpEvent) => boolean = () => true): Promise<QmpEvent> {
    return new Promise<QmpEvent>((resolve, reject) => {
      const done = (): void => {
        off();
        clearTimeout(timer);
        this.closeWaiters.splice(this.closeWaiters.indexOf(onClose), 1);
      };
      const off = this.onEvent((e) => {
        if (e.event === name && match(e)) {
          done();
          resolve(e);
        }
      });
      const onClose = (): void => {
        done();
        reject(this.closedError ?? new Error('QMP connection closed'));
      };
      this.closeWaiters.push(onClose);
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${name} event within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  /** Resolves once the connection is closed (QEMU exited or close() was called). */
  closed(): Promise<void> {
    if (this.closedError) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: string): void {
    this.buffer += d;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line !== '') this.onMessage(JSON.parse(line) as Record<string, unknown>);
    }
  }

  private onMessage(msg: Record<string, unknown>): void {
    if (typeof msg['event'] === 'string') {
      for (const l of [...this.listeners]) l(msg as unknown as QmpEvent);
      return;
    }
    const p = this.pending.shift();
    if (!p) return;
    if ('QMP' in msg) p.resolve(null);
    else if ('error' in msg) {
      const err = msg['error'] as { class?: string; desc?: string };
      p.reject(new QmpError(p.command, err.class ?? 'GenericError', err.desc ?? 'unknown QMP error'));
    } else p.resolve((msg['return'] ?? null) as QmpValue);
  }

  private fail(e: Error): void {
    if (this.closedError) return;
    this.closedError = e;
    for (const p of this.pending.splice(0)) p.reject(e);
    for (const w of this.closeWaiters.splice(0)) w();
  }
}
