// The console page's way to the compute API: every request goes to its own
// origin (/compute/…), with the signed-in admin's token and a microversion.

export interface Session {
  readonly token: string;
  readonly user: string;
  readonly project: string;
  readonly roles: readonly string[];
}

export interface Reply {
  readonly status: number;
  readonly body: any;
  readonly requestId: string | null;
}

/** The message of a Nova or Keystone fault body. */
export function faultMessage(body: unknown): string {
  if (body && typeof body === 'object') {
    for (const v of Object.values(body as Record<string, unknown>)) {
      if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') return (v as { message: string }).message;
    }
  }
  return 'no reason given';
}

export async function signIn(username: string, password: string, project: string): Promise<Session> {
  const r = await fetch('/auth', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password, project }) });
  const body = (await r.json().catch(() => ({}))) as Partial<Session> & Record<string, unknown>;
  if (r.status !== 200 || typeof body.token !== 'string') throw new Error(`Sign-in refused (HTTP ${r.status}): ${faultMessage(body)}`);
  if (!(body.roles ?? []).includes('admin')) throw new Error(`${username} holds no admin role on ${project}: the console is for admins`);
  return { token: body.token, user: body.user ?? username, project: body.project ?? project, roles: body.roles ?? [] };
}

export class ComputeApi {
  constructor(readonly session: Session) {}

  async req(method: string, path: string, body?: unknown, version = '2.84'): Promise<Reply> {
    const headers: Record<string, string> = { 'X-Auth-Token': this.session.token, 'OpenStack-API-Version': `compute ${version}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(`/compute/v2.1${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    const text = await r.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: r.status, body: parsed, requestId: r.headers.get('x-openstack-request-id') };
  }

  /**
   * Reads the server-sent event stream, calling `onEvent` with each event's
   * type and data; resolves false at once when the API serves no stream.
   */
  async events(onEvent: (type: string, data: unknown) => void, signal: AbortSignal): Promise<boolean> {
    const r = await fetch('/compute/v2.1/magnetar/events', { headers: { 'X-Auth-Token': this.session.token, Accept: 'text/event-stream' }, signal });
    if (r.status !== 200 || !r.body) return false;
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return true;
      buffered += value;
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        let type = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) type = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length === 0) continue;
        let parsed: unknown = data.join('\n');
        try {
          parsed = JSON.parse(parsed as string);
        } catch {
          /* kept as text */
        }
        onEvent(type, parsed);
      }
    }
  }
}
