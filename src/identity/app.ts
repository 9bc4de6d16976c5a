// The embedded identity API: the Keystone v3 subset that keystoneauth1, the
// `openstack` CLI and Tempest need to get, check and revoke tokens, to read
// the catalog (also as services, endpoints and regions) and domains, and to
// manage projects, users, roles and role assignments (admin-routes.ts).
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { authenticate } from './authenticate.js';
import { parseJsonBody, urlProblem } from '../api/request-input.js';
import { registerAdminRoutes } from './admin-routes.js';
import { IdentityError } from './errors.js';
import { IdentityPolicy } from './policy.js';
import type { CatalogEntry } from './catalog.js';
import type { TokenPayload, TokenSigner } from './tokens.js';
import { checkToken, type TokenRevocations } from './revocations.js';
import type { IdentityStore } from './store.js';
import {
  UNAUTHORIZED_MESSAGE,
  collection,
  domainView,
  endpointView,
  errorBody,
  projectView,
  regionView,
  serviceView,
  tokenBody,
  versionDocument,
} from './views.js';

export interface IdentityAppOptions {
  readonly store: IdentityStore;
  readonly signer: TokenSigner;
  readonly revocations: TokenRevocations;
  readonly catalog: () => CatalogEntry[];
  readonly logger?: FastifyBaseLogger;
}

type IdParams = { Params: { id: string } };
type NameQuery = { Querystring: { name?: string; domain_id?: string } };
type ServiceQuery = { Querystring: { name?: string; type?: string } };
type EndpointQuery = { Querystring: { interface?: string; service_id?: string; region_id?: string } };

const baseUrl = (req: FastifyRequest): string => `${req.protocol}://${req.headers.host ?? 'localhost'}`;
const selfUrl = (req: FastifyRequest): string => `${baseUrl(req)}${req.url}`;
const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
};
const wantsCatalog = (req: FastifyRequest): boolean => !Object.hasOwn(req.query as object, 'nocatalog');
const isAdmin = (t: TokenPayload): boolean => t.roles.includes('admin');

/** Keystone's words for any request it cannot make sense of. */
const BAD_REQUEST_MESSAGE =
  'The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';

export function buildIdentityApp(opts: IdentityAppOptions): FastifyInstance {
  const { store, signer, revocations } = opts;
  const policy = new IdentityPolicy();
  /** A valid token whose user and project still exist and are enabled, with the roles still held. */
  const check = async (token: string): Promise<TokenPayload | null> => {
    const payload = await checkToken(signer, revocations, token);
    if (!payload) return null;
    const [user, project] = await Promise.all([store.userById(payload.userId), store.projectById(payload.projectId)]);
    if (!user?.enabled || !project?.enabled) return null;
    // A role granted through the identity API and revoked since is gone from the token.
    const roles = await store.heldRoles(user.id, project.id, payload.roles);
    if (roles.length === 0) return null;
    return roles.length === payload.roles.length ? payload : { ...payload, roles };
  };
  const fail = (reply: FastifyReply, code: number, message: string): FastifyReply =>
    reply.code(code).type('application/json').send(errorBody(code, message));
  // A path the router cannot decode, or a path parameter past its length
  // limit, never reaches the hooks: answer it here.
  const frameworkErrors = (err: Error & { code?: string }, _req: FastifyRequest, reply: FastifyReply): FastifyReply =>
    err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? fail(reply, 414, 'Request-URI Too Long') : fail(reply, 400, BAD_REQUEST_MESSAGE);
  const app: FastifyInstance = opts.logger
    ? Fastify({ loggerInstance: opts.logger, frameworkErrors })
    : Fastify({ logger: false, frameworkErrors });

  // A URL or JSON body that is not UTF-8, holds a NUL or nests too deep is a 400.
  app.addHook('onRequest', async (req, reply) => {
    if (urlProblem(req.url)) return fail(reply, 400, BAD_REQUEST_MESSAGE);
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    const parsed = parseJsonBody(body as Buffer);
    if (parsed.ok) done(null, parsed.value);
    else done(Object.assign(new Error('bad request body'), { statusCode: 400 }), undefined);
  });
  const forbidden = (reply: FastifyReply, action: string): FastifyReply =>
    fail(reply, 403, `You are not authorized to perform the requested action: identity:${action}.`);

  /** The caller's token, or null after answering 401. */
  const caller = async (req: FastifyRequest, reply: FastifyReply): Promise<TokenPayload | null> => {
    const token = header(req, 'x-auth-token');
    const payload = token ? await check(token) : null;
    if (!payload) {
      void fail(reply, 401, UNAUTHORIZED_MESSAGE);
      return null;
    }
    return payload;
  };

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof IdentityError) return fail(reply, err.code, err.message);
    const code = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (code === 500) req.log.error({ err }, 'identity request failed');
    const message =
      code === 500 ? 'An unexpected error prevented the server from fulfilling your request.' : code === 400 ? BAD_REQUEST_MESSAGE : err.message;
    return fail(reply, code, message);
  });
  app.setNotFoundHandler((req, reply) => fail(reply, 404, 'The resource could not be found.'));

  // Version discovery: "/" lists versions as multiple choices, "/v3" describes v3.
  app.get('/', async (req, reply) =>
    reply.code(300).send({ versions: { values: [versionDocument(baseUrl(req))] } }),
  );
  app.get('/v3', async (req) => ({ version: versionDocument(baseUrl(req)) }));
  app.get('/v3/', async (req) => ({ version: versionDocument(baseUrl(req)) }));

  app.post('/v3/auth/tokens', async (req, reply) => {
    const outcome = await authenticate(store, check, req.body);
    if (!outcome.ok) return fail(reply, outcome.code, outcome.message);
    const { token, payload } = signer.issue(outcome.issue);
    const body = await tokenBody(payload, store, wantsCatalog(req) ? opts.catalog() : null);
    return reply.code(201).header('X-Subject-Token', token).send(body);
  });

  /** The subject token with the caller allowed to see it, or null after answering. */
  const subject = async (
    req: FastifyRequest,
    reply: FastifyReply,
    action: string,
  ): Promise<{ token: string; payload: TokenPayload } | null> => {
    const auth = await caller(req, reply);
    if (!auth) return null;
    const token = header(req, 'x-subject-token');
    const payload = token ? await check(token) : null;
    if (!token || !payload) {
      void fail(reply, 404, `Could not find token: ${token ?? ''}.`);
      return null;
    }
    if (!isAdmin(auth) && auth.userId !== payload.userId) {
      void forbidden(reply, action);
      return null;
    }
    return { token, payload };
  };

  // HEAD is derived from this route by fastify: same status and headers, no body.
  app.get('/v3/auth/tokens', async (req, reply) => {
    const s = await subject(req, reply, 'validate_token');
    if (!s) return reply;
    const body = await tokenBody(s.payload, store, wantsCatalog(req) ? opts.catalog() : null);
    if (!body) return fail(reply, 404, `Could not find token: ${s.token}.`);
    return reply.code(200).header('X-Subject-Token', s.token).send(body);
  });

  app.delete('/v3/auth/tokens', async (req, reply) => {
    const s = await subject(req, reply, 'revoke_token');
    if (!s) return reply;
    await revocations.revoke(s.payload);
    return reply.code(204).send();
  });

  app.get('/v3/auth/catalog', async (req, reply) => {
    if (!(await caller(req, reply))) return reply;
    return collection('catalog', opts.catalog(), selfUrl(req));
  });

  app.get('/v3/auth/projects', async (req, reply) => {
    const auth = await caller(req, reply);
    if (!auth) return reply;
    const projects = (await store.projectsOf(auth.userId)).map((p) => projectView(p, baseUrl(req)));
    return collection('projects', projects, selfUrl(req));
  });

  app.get('/v3/auth/domains', async (req, reply) => {
    if (!(await caller(req, reply))) return reply;
    return collection('domains', [], selfUrl(req));
  });

  registerAdminRoutes(app, { store, policy, caller, baseUrl, selfUrl });

  app.get<NameQuery>('/v3/domains', async (req, reply) => {
    const auth = await caller(req, reply);
    if (!auth) return reply;
    if (!isAdmin(auth)) return forbidden(reply, 'list_domains');
    const { name } = req.query;
    const domains = store.domains.filter((d) => name === undefined || d.name === name).map((d) => domainView(d, baseUrl(req)));
    return collection('domains', domains, selfUrl(req));
  });

  app.get<IdParams>('/v3/domains/:id', async (req, reply) => {
    const auth = await caller(req, reply);
    if (!auth) return reply;
    const domain = store.domainById(req.params.id);
    if (!domain) return fail(reply, 404, `Could not find domain: ${req.params.id}.`);
    const tokenDomain = (await store.projectById(auth.projectId))?.domainId;
    if (!isAdmin(auth) && tokenDomain !== domain.id) return forbidden(reply, 'get_domain');
    return { domain: domainView(domain, baseUrl(req)) };
  });

  // The catalog as Keystone's catalog resources (read-only): `openstack service
  // list`, `endpoint list` and `region list` read these.
  const endpoints = (): Array<{ endpoint: CatalogEntry['endpoints'][number]; serviceId: string }> =>
    opts.catalog().flatMap((c) => c.endpoints.map((endpoint) => ({ endpoint, serviceId: c.id })));

  app.get<ServiceQuery>('/v3/services', async (req, reply) => {
    const auth = await caller(req, reply);
    if (!auth) return reply;
    if (!isAdmin(auth)) return forbidden(reply, 'list_services');
    const { name, type } = req.query;
    const services = opts
      .catalog()
      .filter((c) => (name === undefined || c.name === name) && (type === undefined || c.type === type))
      .map((c) => serviceView(c, baseUrl(req)));
    return collection('services', services, selfUrl(req));
  });

  app.get<IdParams>('/v3/services/:id', async (req, reply) => {
    const auth = await caller(req, reply);
    if (!auth) return reply;
    if (!isAdmin(auth)) return forbidden(reply, 'get_service');
    const service = opts.catalog().find((c) => c.id === req.params.id);
    if (!service) return fail(reply, 404, `Could not find service: ${req.params.id}.`);
    return { service: serviceView(service, baseUrl(req)) };
  });

  app.get<EndpointQuery>('/v3/endpoints', async (req, reply) => {
    const auth = await caller(req, reply);
    if (!auth) return reply;
    if (!isAdmin(auth)) return forbidden(reply, 'list_endpoints');
    const q = req.query;
    const list = endpoints()
      .filter(
        ({ endpoint: e, serviceId }) =>
          (q.interface === undefined || e.interface === q.interface) &&
          (q.service_id === undefined || serviceId === q.service_id) &&
          (q.region_id === undefined || e.region_id === q.region_id),
      )
      .map(({ endpoint, serviceId }) => endpointView(endpoint, serviceId, baseUrl(req)));
    return collection('endpoints', list, selfUrl(req));
  });

  app.get<IdParams>('/v3/endpoints/:id', async (req, reply) => {
    const auth = await caller(req, reply);
    if (!auth) return reply;
    if (!isAdmin(auth)) return forbidden(reply, 'get_endpoint');
    const found = endpoints().find(({ endpoint }) => endpoint.id === req.params.id);
    if (!found) return fail(reply, 404, `Could not find endpoint: ${req.params.id}.`);
    return { endpoint: endpointView(found.endpoint, found.serviceId, baseUrl(req)) };
  });

  // Keystone lets any authenticated user read regions.
  const regionIds = (): string[] => [...new Set(endpoints().map(({ endpoint }) => endpoint.region_id))];

  app.get('/v3/regions', async (req, reply) => {
    if (!(await caller(req, reply))) return reply;
    return collection('regions', regionIds().map((id) => regionView(id, baseUrl(req))), selfUrl(req));
  });

  app.get<IdParams>('/v3/regions/:id', async (req, reply) => {
    if (!(await caller(req, reply))) return reply;
    if (!regionIds().includes(req.params.id)) return fail(reply, 404, `Could not find region: ${req.params.id}.`);
    return { region: regionView(req.params.id, baseUrl(req)) };
  });

  return app;
}
