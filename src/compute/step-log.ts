// One log line when a step of an action starts and one when it ends (INFO),
// or fails (WARN), each with the server and the request id, so a failed move
// can be followed from the API request to the host that failed it.
import type { Logger } from 'pino';

export async function loggedStep<T>(log: Logger, instance: string, requestId: string | undefined, step: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  log.info({ instance, requestId, step }, `${step} started`);
  try {
    const out = await fn();
    log.info({ instance, requestId, step, durationMs: Date.now() - started }, `${step} done`);
    return out;
  } catch (err) {
    log.warn({ instance, requestId, step, durationMs: Date.now() - started, err: err instanceof Error ? err.message : String(err) }, `${step} failed`);
    throw err;
  }
}
