// The operator console: a web page for admins (hosts, servers, migrations
// in flight, the event stream, and the administrative actions), served on
// its own port so the compute API's URL space stays Nova's. The page talks
// to this origin only: /auth signs in at the identity service and
// /compute/… is passed to the compute API as it is, streams included.
import Fastify, { type FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join } from 'node:path';
import { CONSOLE_PAGE } from './page.js';

export interface ConsoleAppOptions {
  /** Base URL of the compute API (without /v2.1). */
  readonly computeUrl: () => string;
  /** Identity endpoint, …/v3. */
  readonly identityUrl: () => string;
}

const here = dirname(fileURLToPath(import.meta.url));
// The compiled tree's src/: this module sits in its console/, or, bundled
// (scripts/bundle.sh), the bundle sits in src/ itself.
const srcDir = basename(here) === 'console' ? dirname(here) : here;
// The browser modules the page loads: its own, and the drain plan it shares with `magnetar host drain`.
const MODULES: Readonly<Record<string, string>> = {
  'console/browser/app.js': join(srcDir, 'console', 'browser', 'app.js'),
  'console/browser/api.js': join(srcDir, 'console', 'browser', 'api.js'),
  'console/browser/render.js': join(srcDir, 'console', 'browser', 'render.js'),
  'console/browser/drain.js': join(srcDir, 'console', 'browser', 'drain.js'),
  'cli/host-moves/plan.js': join(srcDir, 'cli', 'host-moves', 'plan.js'),
};
// Headers a browser request may carry to the compute API, and back.
const REQUEST_HEADERS = ['x-auth-token', 'openstack-api-version', 'x-openstack-nova-api-version', 'content-type', 'accept'];
const REPLY_HEADERS = ['content-type', 'x-openstack-request-id', 'openstack-api-version', 'cache-control'];

export function buildConsoleApp(opts: ConsoleAppOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1 << 20 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const modules = new Map<string, string>();
  const moduleText = (name: string): string | undefined => {
    if (!(name in MODULES)) return undefined;
    let text = modules.get(name);
    if (text === undefined) {
      text = readFileSync(MODULES[name]!, 'utf8');
      modules.set(name, text);
    }
    return text;
  };

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(CONSOLE_PAGE));

  app.get('/static/*', async (req, reply) => {
    const text = moduleText((req.params as { '*': string })['*']);
    if (text === undefined) return reply.code(404).type('text/plain').send('not found');
    return reply.type('text/javascript; charset=utf-8').send(text);
  });

  // Sign-in: a password token from the identity service, with what the page shows of it.
  app.post('/auth', async (req, reply) => {
    let creds: { username?: unknown; password?: unknown; project?: unknown };
    try {
      creds = JSON.parse((req.body as Buffer | undefined)?.toString('utf8') ?? '') as typeof creds;
    } catch {
      return reply.code(400).send({ error: { code: 400, message: 'The body must be JSON with username, password and project.' } });
    }
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    if (str(creds.username) === '' || str(creds.password) === '') return reply.code(400).send({ error: { code: 400, message: 'A user name and a password are needed.' } });
    const body = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: str(creds.username), domain: { id: 'default' }, password: str(creds.password) } } },
        scope: { project: { name: str(creds.project) || 'admin', domain: { id: 'default' } } },
      },
    };
    const r = await fetch(`${opts.identityUrl()}/auth/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const answer = (await r.json().catch(() => ({}))) as { token?: { roles?: Array<{ name: string }>; user?: { name: string }; project?: { name: string }; expires_at?: string } };
    if (r.status !== 201 || !answer.token) return reply.code(r.status === 201 ? 502 : r.status).send(answer);
    return reply.code(200).send({
      token: r.headers.get('x-subject-token'),
      user: answer.token.user?.name,
      project: answer.token.project?.name,
      roles: (answer.token.roles ?? []).map((x) => x.name),
      expires_at: answer.token.expires_at,
    });
  });

  app.all('/compute/*', async (req, reply) => {
    const headers: Record<string, string> = {};
    for (const h of REQUEST_HEADERS) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && Buffer.isBuffer(req.body) && req.body.length > 0;
    const abort = new AbortController();
    // An event stream ends when the page goes away.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    let r: Response;
    try {
      r = await fetch(`${opts.computeUrl()}${req.url.slice('/compute'.length)}`, {
        method: req.method,
        headers,
        ...(hasBody && { body: new Uint8Array(req.body as Buffer) }),
        signal: abort.signal,
      });
    } catch (err) {
      return reply.code(502).send({ error: { code: 502, message: `The compute API cannot be reached: ${err instanceof Error ? err.message : String(err)}` } });
    }
    reply.code(r.status);
    for (const h of REPLY_HEADERS) {
      const v = r.headers.get(h);
      if (v !== null) reply.header(h, v);
    }
    if (!r.body) return reply.send();
    return reply.send(Readable.fromWeb(r.body as import('node:stream/web').ReadableStream));
  });

  return app;
}
