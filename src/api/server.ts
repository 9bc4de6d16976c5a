// The compute API's HTTP server. It applies Nova's processing order to every
// request: request id → body size → token → route → microversion →
// content type → action dispatch → JSON → project segment → method version
// → body and query schemas → handler (lookup → policy → business checks).
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { AuthContext } from '../identity/validator.js';
import { wwwAuthenticate } from '../identity/validator.js';
import { negotiate, requestedVersion, MIN_VERSION, MAX_VERSION, type ApiVersion } from './microversion.js';
import { faultBody, toFault, HttpFault, badRequest, notFound } from './faults.js';
import { validateBody } from './validation.js';
import { JSON_PROBLEM_MESSAGES, URL_PROBLEM_MESSAGES, parseJsonBody, urlProblem } from './request-input.js';
import { normaliseQuery, validateQuery, looseQuery, type RawQuery } from './query.js';
import type { ActionDef, RouteDef, RouteTable, Versioned } from './router.js';
import { RESPONSE } from './router.js';
import type { ApiRequest, ApiResponse, RequestContext } from './context.js';
import type { Credentials } from '../policy/credentials.js';

export type Registrar = (routes: RouteTable, deps: ApiDeps) => void;

declare module 'fastify' {
  interface FastifyRequest {
    magnetarRequestId: string;
    magnetarAuth: AuthContext | null;
    /** When the request came in (process.hrtime), for its log line. */
    magnetarStart?: bigint;
  }
}

const ACCEPTED_TYPES = new Set(['', 'application/json', 'application/vnd.openstack.compute+json', 'text/plain']);
const PROJECT_SEGMENT = /^[0-9a-fA-F-]+$/;

function pick<T>(list: readonly Versioned<T>[] | undefined, v: ApiVersion): T | undefined {
  return list?.find((e) => v.within(e.min, e.max))?.schema;
}

function versionHeaders(reply: FastifyReply, v: ApiVersion): void {
  reply.header('OpenStack-API-Version', `compute ${v}`);
  reply.header('X-OpenStack-Nova-API-Version', `${v}`);
  reply.header('Vary', ['OpenStack-API-Version', 'X-OpenStack-Nova-API-Version']);
}

function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  reply.code(status).header('Content-Type', 'application/json');
  return reply.send(body === undefined || status === 204 ? '' : JSON.stringify(body));
}

function sendFault(reply: FastifyReply, status: number, message: string): FastifyReply {
  reply.code(status).header('Content-Type', 'application/json; charset=UTF-8');
  return reply.send(JSON.stringify(faultBody(status, message)));
}

/** The body as JSON (undefined when empty), or a 400 with the reason it cannot be used. */
function jsonBody(raw: unknown): unknown {
  const parsed = parseJsonBody(Buffer.isBuffer(raw) ? raw : raw === undefined || raw === null ? undefined : String(raw));
  if (!parsed.ok) throw badRequest(JSON_PROBLEM_MESSAGES[parsed.problem]);
  return parsed.value;
}

function assignRequestId(req: FastifyRequest, reply: FastifyReply): void {
  const rid = `req-${randomUUID()}`;
  req.magnetarRequestId = rid;
  req.magnetarAuth = null;
  reply.header('x-openstack-request-id', rid);
  reply.header('x-compute-request-id', rid);
}

export function hostBase(req: FastifyRequest, deps: ApiDeps): string {
  const prefix = deps.conf.str('api', 'compute_link_prefix');
  if (prefix) return prefix.replace(/\/+$/, '');
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol;
  return `${proto}://${req.headers.host ?? 'localhost'}`;
}

export function buildComputeApp(deps: ApiDeps, registrars: readonly Registrar[]): FastifyInstance {
  const maxBody = deps.conf.num('oslo_middleware', 'max_request_body_size');
  const app = Fastify({
    logger: false,
    bodyLimit: maxBody,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    return503OnClosing: false,
    // A path the router cannot decode, or a path parameter past maxParamLength,
    // never reaches the hooks: answer it here in Nova's envelope.
    frameworkErrors: (err, req, reply) => {
      assignRequestId(req, reply);
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendFault(reply, 414, 'Request-URI Too Long');
      if (err.code === 'FST_ERR_BAD_URL') return sendFault(reply, 400, URL_PROBLEM_MESSAGES[urlProblem(req.url) ?? 'path-encoding']);
      deps.log.error({ err, requestId: req.magnetarRequestId }, 'unexpected error');
      return sendFault(reply, 500, toFault(err).message);
    },
  });

  // Bodies are taken as bytes so that malformed JSON, bytes that are not
  // UTF-8 and too deep nesting become Nova's 400, not a framework error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    req.magnetarStart = process.hrtime.bigint();
    const path = req.url.split('?', 1)[0]!;
    if (path === '/') return;
    assignRequestId(req, reply);
    const len = Number(req.headers['content-length'] ?? 0);
    if (len > maxBody) return sendFault(reply, 413, 'Request is too large.');
    // Before the token: such a URL names nothing, whoever asks.
    const bad = urlProblem(req.url);
    if (bad) return sendFault(reply, 400, URL_PROBLEM_MESSAGES[bad]);
    const needsToken = /^\/v2(\.1)?\/./.test(path);
    if (!needsToken) return;
    const token = req.headers['x-auth-token'];
    const auth = typeof token === 'string' && token !== '' ? await deps.validator.validate(token) : null;
    if (!auth) {
      reply.code(401).header('WWW-Authenticate', wwwAuthenticate(deps.identityUrl)).header('Content-Type', 'application/json');
      return reply.send(
        JSON.stringify({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } }),
      );
    }
    req.magnetarAuth = auth;
  });

  // One INFO line per request, as Nova's API logs it:
  // 127.0.0.1 "GET /v2.1/servers" status: 200 len: 15 microversion: 2.1 time: 0.012345
  // (not even built when INFO is off: the level is set once, at start).
  if (deps.log.isLevelEnabled('info'))
    app.addHook('onResponse', async (req, reply) => {
      const seconds = req.magnetarStart === undefined ? 0 : Number(process.hrtime.bigint() - req.magnetarStart) / 1e9;
      const version = /^compute (\S+)$/.exec(String(reply.getHeader('openstack-api-version') ?? ''))?.[1] ?? '-';
      const len = reply.getHeader('content-length') ?? '-';
      deps.log.info(
        { requestId: req.magnetarRequestId, method: req.method, path: req.url, status: reply.statusCode, len, microversion: version, time: seconds },
        `${req.ip} "${req.method} ${req.url}" status: ${reply.statusCode} len: ${len} microversion: ${version} time: ${seconds.toFixed(6)}`,
      );
    });

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendFault(reply, 413, 'Request is too large.');
    if (err.statusCode && err.statusCode < 500) return sendFault(reply, err.statusCode, err.message);
    deps.log.error({ err, requestId: req.magnetarRequestId }, 'unexpected error');
    return sendFault(reply, 500, toFault(err).message);
  });

  registerVersionDocuments(app, deps);

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?', 1)[0]!;
    if (/^\/v2(\.1)?\//.test(path)) return sendFault(reply, 404, 'The resource could not be found.');
    return multipleChoices(req, reply, deps);
  });

  const table = new ApiRouteTable(app, deps);
  for (const r of registrars) r(table, deps);
  table.flush();
  return app;
}

function versionDoc(base: string, id: 'v2.0' | 'v2.1'): Record<string, unknown> {
  const v21 = id === 'v2.1';
  return {
    id,
    status: v21 ? 'CURRENT' : 'DEPRECATED',
    version: v21 ? `${MAX_VERSION}` : '',
    min_version: v21 ? `${MIN_VERSION}` : '',
    updated: v21 ? '2013-07-23T11:33:21Z' : '2025-07-04T12:00:00Z',
    links: [{ rel: 'self', href: `${base}/${v21 ? 'v2.1' : 'v2'}/` }],
  };
}

function registerVersionDocuments(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/', async (req, reply) => {
    const base = hostBase(req, deps);
    return sendJson(reply, 200, { versions: [versionDoc(base, 'v2.0'), versionDoc(base, 'v2.1')] });
  });
  const one = (id: 'v2.0' | 'v2.1') => async (req: FastifyRequest, reply: FastifyReply) => {
    const base = hostBase(req, deps);
    if (id === 'v2.1') {
      const neg = negotiate(requestedVersion(req.headers));
      if (!neg.ok) {
        if (neg.version) versionHeaders(reply, neg.version);
        return sendFault(reply, neg.status, neg.message);
      }
      versionHeaders(reply, neg.version);
    }
    const doc = versionDoc(base, id);
    (doc['links'] as unknown[]).push({ rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' });
    doc['media-types'] = [
      { base: 'application/json', type: `application/vnd.openstack.compute+json;version=${id === 'v2.1' ? '2.1' : '2'}` },
    ];
    return sendJson(reply, 200, { version: doc });
  };
  app.get('/v2.1', one('v2.1'));
  app.get('/v2', one('v2.0'));
}

function multipleChoices(req: FastifyRequest, reply: FastifyReply, deps: ApiDeps): FastifyReply {
  const base = hostBase(req, deps);
  const path = req.url.split('?', 1)[0]!.replace(/^\/+/, '');
  const choices = (['v2.0', 'v2.1'] as const).map((id) => {
    const d = versionDoc(base, id);
    return {
      id,
      status: d['status'],
      links: [{ rel: 'self', href: `${base}/${id === 'v2.1' ? 'v2.1' : 'v2'}/${path}` }],
      'media-types': [
        { base: 'application/json', type: `application/vnd.openstack.compute+json;version=${id === 'v2.1' ? '2.1' : '2'}` },
      ],
    };
  });
  return sendJson(reply, 300, { choices });
}

interface Group {
  readonly method: RouteDef['method'];
  readonly path: string;
  readonly defs: RouteDef[];
}

class ApiRouteTable implements RouteTable {
  private readonly groups = new Map<string, Group>();
  private readonly actions = new Map<string, Map<string, ActionDef[]>>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly deps: ApiDeps,
  ) {}

  route(def: RouteDef): void {
    const k = `${def.method} ${def.path}`;
    let g = this.groups.get(k);
    if (!g) {
      g = { method: def.method, path: def.path, defs: [] };
      this.groups.set(k, g);
    }
    g.defs.push(def);
  }

  action(resourcePath: string, def: ActionDef): void {
    let byName = this.actions.get(resourcePath);
    if (!byName) {
      byName = new Map();
      this.actions.set(resourcePath, byName);
    }
    const list = byName.get(def.name) ?? [];
    list.push(def);
    byName.set(def.name, list);
  }

  /** Registers every declared route twice: with and without the project segment. */
  flush(): void {
    for (const [resourcePath, byName] of this.actions) {
      this.route({
        method: 'POST',
        path: `${resourcePath}/action`,
        status: 202,
        handler: () => undefined, // replaced by action dispatch below
      });
      const g = this.groups.get(`POST ${resourcePath}/action`)!;
      (g as { actions?: Map<string, ActionDef[]> }).actions = byName;
    }
    for (const g of this.groups.values()) {
      for (const api of ['/v2.1', '/v2'] as const) {
        const handler = this.makeHandler(g, api);
        for (const prefix of [api, `${api}/:project_id`]) {
          this.app.route({ method: g.method, url: `${prefix}${g.path}`, handler });
        }
      }
    }
  }

  /**
   * `/v2` is the legacy compatibility mode of the same API: version headers
   * are ignored and never echoed, and every request is served as 2.1.
   */
  private makeHandler(g: Group, api: '/v2.1' | '/v2') {
    const deps = this.deps;
    const legacy = api === '/v2';
    const actions = (g as { actions?: Map<string, ActionDef[]> }).actions;
    return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      let version: ApiVersion | undefined;
      try {
        const params = req.params as Record<string, string>;
        const urlProject = params['project_id'];
        if (urlProject !== undefined && !PROJECT_SEGMENT.test(urlProject)) throw notFound();

        const neg = negotiate(legacy ? null : requestedVersion(req.headers));
        if (!neg.ok) {
          if (neg.version) versionHeaders(reply, neg.version);
          return sendFault(reply, neg.status, neg.message);
        }
        version = neg.version;
        if (!legacy) versionHeaders(reply, version);

        const ctype = String(req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
        const hasBody = g.method === 'POST' || g.method === 'PUT';
        if (hasBody && !ACCEPTED_TYPES.has(ctype)) throw new HttpFault(415, 'Unsupported Content-Type');

        let body: unknown = undefined;
        let def: RouteDef | ActionDef | undefined;
        if (actions) {
          const value = jsonBody(req.body);
          if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))
            throw badRequest('Malformed request body');
          const keys = Object.keys(value);
          if (keys.length !== 1) throw badRequest('Malformed request body');
          const list = actions.get(keys[0]!);
          if (!list) throw badRequest(`There is no such action: ${keys[0]}`);
          body = value;
          def = list.find((d) => version!.within(d.min, d.max));
        } else if (hasBody) {
          body = jsonBody(req.body);
        }

        const auth = req.magnetarAuth!;
        if (urlProject !== undefined && urlProject !== auth.projectId)
          throw badRequest(
            `Malformed request URL: URL's project_id '${urlProject}' doesn't match Context's project_id '${auth.projectId}'`,
          );

        if (!actions) def = g.defs.find((d) => version!.within(d.min, d.max));
        if (!def) throw notFound();

        const bodySchema = pick(def.body, version);
        if (bodySchema) validateBody(bodySchema, body);
        const rawQuery = normaliseQuery(req.query as RawQuery);
        const qSchema = 'query' in def ? pick(def.query, version) : undefined;
        const query = qSchema ? validateQuery(qSchema, rawQuery) : looseQuery(rawQuery);

        const ctx = makeContext(req, deps, version, auth, urlProject, rawQuery, api);
        const apiReq: ApiRequest = { ctx, params, query, body, headers: req.headers, path: req.url.split('?', 1)[0]! };
        const out = (await def.handler(apiReq)) as ApiResponse | unknown;
        if (out !== null && typeof out === 'object' && RESPONSE in (out as object)) {
          const r = out as ApiResponse;
          for (const [h, v] of Object.entries(r.headers ?? {})) reply.header(h, v);
          if (r.stream) {
            // HEAD (it reaches the GET routes) carries no body: the stream ends here, and whatever feeds it stops.
            if (req.method === 'HEAD') {
              (r.stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
              return reply.code(r.status ?? def.status).send();
            }
            return reply.code(r.status ?? def.status).send(r.stream);
          }
          return sendJson(reply, r.status ?? def.status, r.body);
        }
        return sendJson(reply, def.status, out);
      } catch (err) {
        const f = toFault(err);
        if (!f.expected) deps.log.error({ err, requestId: req.magnetarRequestId }, 'unexpected error');
        return sendFault(reply, f.status, f.message);
      }
    };
  }
}

function makeContext(
  req: FastifyRequest,
  deps: ApiDeps,
  version: ApiVersion,
  auth: AuthContext,
  urlProject: string | undefined,
  rawQuery: Readonly<Record<string, string[]>>,
  api: '/v2.1' | '/v2',
): RequestContext {
  const creds: Credentials = {
    user_id: auth.userId,
    project_id: auth.projectId,
    project_domain_id: auth.domainId,
    user_domain_id: auth.domainId,
    roles: auth.roles,
  };
  const isAdmin = deps.policy.isAdmin(creds);
  const base = hostBase(req, deps);
  const projectSeg = urlProject !== undefined ? `/${urlProject}` : '';
  return {
    requestId: req.magnetarRequestId,
    version,
    userId: auth.userId,
    projectId: auth.projectId,
    roles: auth.roles,
    creds: { ...creds, is_admin: isAdmin },
    isAdmin,
    selfBase: `${base}${api}${projectSeg}`,
    bookmarkBase: `${base}${projectSeg}`,
    rawQuery,
    policy: deps.policy,
    legacyV2: api === '/v2',
    authToken: auth.tokenId,
  };
}
