// Magnetar's own extension (not part of Nova's API): the deployment's
// notifications as a server-sent event stream, for browsers and the
// all-in-one, admin only (policy magnetar:events).
//   GET /magnetar/events[?server_id=<uuid>][&event_type=<prefix>]
//     (HEAD: the same headers, and the stream ends at once; see server.ts)
//     200 text/event-stream: one event per notification —
//         `id: <message_id>`, `event: <event_type>`, `data: <the message as
//         oslo.messaging carries it: priority, event_type, timestamp,
//         publisher_id, message_id, payload>`
// 400 for an unknown parameter or a server_id that is not a uuid.
import { PassThrough } from 'node:stream';
import type { RouteTable } from '../router.js';
import { respondStream } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { ApiRequest } from '../context.js';
import { authorize } from '../context.js';
import { notFound } from '../faults.js';
import { sseFrame } from '../../notifications/event-stream.js';
import type { QuerySchema } from '../query.js';

const RULE = 'magnetar:events';
const KEEPALIVE_MS = 15_000;
const EVENTS_QUERY: QuerySchema = { params: { server_id: { type: 'uuid' }, event_type: { type: 'string' } }, strict: true };

export function registerMagnetarEventRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/magnetar/events',
    status: 200,
    query: [{ schema: EVENTS_QUERY }],
    async handler(req: ApiRequest) {
      authorize(req.ctx, RULE);
      const events = deps.events;
      if (!events) throw notFound();
      const out = new PassThrough();
      // Sent at once, so a client knows the stream is open before the first event.
      out.write(': notifications of this deployment\nretry: 3000\n\n');
      const serverId = req.query.get('server_id');
      const prefix = req.query.get('event_type');
      const unsubscribe = events.subscribe(
        { serverId: serverId?.toLowerCase(), eventTypePrefix: prefix === '' ? undefined : prefix },
        (msg) => out.write(sseFrame(msg)),
        () => out.end(),
      );
      const keepalive = setInterval(() => out.write(': keep-alive\n\n'), KEEPALIVE_MS);
      keepalive.unref();
      out.on('close', () => {
        clearInterval(keepalive);
        unsubscribe();
      });
      // Connection: close — the connection ends with the stream, so a stopping API does not wait for the client to hang up.
      return respondStream(200, out, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no', Connection: 'close' });
    },
  });
}
