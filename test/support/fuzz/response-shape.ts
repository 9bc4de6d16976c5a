// What every compute API answer must look like (spec/faults.md): request ids,
// JSON, and for an error Nova's one-key fault envelope named after the status
// (Keystone's shape for the token middleware's 401), never a 5xx.

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
const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why the answer is not a well-formed Nova answer, or null when it is. */
export function responseProblem(method: string, status: number, headers: Headers, text: string): string | null {
  if (status >= 500) return `server error ${status}`;
  if (status < 200 || (status >= 300 && status < 400)) return `unexpected status ${status}`;
  const rid = headers.get('x-openstack-request-id');
  if (!rid || !REQUEST_ID.test(rid) || headers.get('x-compute-request-id') !== rid) return `request id headers missing or unequal: ${rid}`;
  // A 204 carries no body, and so (RFC 9110) no content type.
  if (status === 204) return text === '' ? null : '204 with a body';
  // The one stream (GET /magnetar/events, and HEAD with its headers): a success is a server-sent event stream.
  if (status === 200 && (method === 'GET' || method === 'HEAD') && /^text\/event-stream/.test(headers.get('content-type') ?? '')) return method === 'HEAD' && text !== '' ? 'HEAD answered with a body' : null;
  if (!/^application\/json/.test(headers.get('content-type') ?? '')) return `content type ${headers.get('content-type')}`;
  if (method === 'HEAD') return text === '' ? null : 'HEAD answered with a body';
  if (status < 300) {
    if (text === '') return null;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return 'success body is not JSON';
    }
    return isObject(body) ? null : 'success body is not a JSON object';
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'fault body is not JSON';
  }
  if (!isObject(body)) return 'fault body is not a JSON object';
  const keys = Object.keys(body);
  if (status === 401 && keys.length === 1 && keys[0] === 'error') {
    const e = body['error'];
    if (!isObject(e) || e['code'] !== 401 || e['title'] !== 'Unauthorized' || typeof e['message'] !== 'string') return 'malformed 401 body';
    return headers.get('www-authenticate') ? null : '401 without WWW-Authenticate';
  }
  const name = FAULT_NAMES[status] ?? 'computeFault';
  if (keys.length !== 1 || keys[0] !== name) return `fault envelope ${JSON.stringify(keys)} for ${status}, want ${name}`;
  const f = body[name];
  if (!isObject(f) || f['code'] !== status || typeof f['message'] !== 'string' || f['message'] === '') return 'malformed fault';
  const extra = Object.keys(f).filter((k) => k !== 'code' && k !== 'message' && !(k === 'retryAfter' && (status === 413 || status === 429)));
  return extra.length === 0 ? null : `fault has extra keys ${extra.join(', ')}`;
}
