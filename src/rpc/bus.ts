// The message bus between roles. `call` waits for the reply of the one server
// of a topic; `cast` delivers and returns at once. Messages and replies are
// plain JSON. The in-process and RabbitMQ buses both implement this.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type MessageArgs = { readonly [k: string]: Json | undefined };

/** What a handler learns about the message it serves. */
export interface MessageContext {
  /** Request id of the API request that caused this message, for logs and instance actions. */
  readonly requestId?: string;
  /** The job the message carries, once its handler holds it (see jobs/runner.ts). */
  readonly job?: JobHandle;
}

/** A durable message's job, as its handler sees it. */
export interface JobHandle {
  readonly id: number;
  /** 1 on the first run; more when an earlier run died or failed before finishing. */
  readonly attempt: number;
  /** The handler's owner name, under which it holds the job. */
  readonly owner: string;
}

/** The argument that carries a job id in a durable message. */
export const JOB_ARG = '_job';

export type Handler = (args: MessageArgs, ctx: MessageContext) => Promise<Json | void> | Json | void;
export type Handlers = Readonly<Record<string, Handler>>;

export interface CallOptions {
  /** Milliseconds to wait for the reply; default from [DEFAULT] rpc_response_timeout. */
  readonly timeoutMs?: number;
  readonly requestId?: string;
}

export interface Subscription {
  close(): Promise<void>;
}

/** A remote handler's error, rebuilt on the caller's side with the same name and fields. */
export class RemoteError extends Error {
  constructor(
    readonly remoteName: string,
    message: string,
    readonly fields: Readonly<Record<string, Json>> = {},
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

export class MessagingTimeout extends Error {
  constructor(topic: string, method: string, ms: number) {
    super(`Timed out after ${ms} ms waiting for a reply to ${method} on ${topic}`);
    this.name = 'MessagingTimeout';
  }
}

export interface Bus {
  call<T extends Json | void = Json>(topic: string, method: string, args: MessageArgs, opts?: CallOptions): Promise<T>;
  cast(topic: string, method: string, args: MessageArgs, opts?: { readonly requestId?: string }): Promise<void>;
  /** Serve a topic. Several servers of one topic share its messages (one gets each). */
  serve(topic: string, handlers: Handlers): Promise<Subscription>;
  close(): Promise<void>;
}
