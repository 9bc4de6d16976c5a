// The embedded network API: the Neutron v2.0 subset — networks, subnets,
// ports (with multiple bindings), security groups, routers, floating IPs,
// address scopes, subnet pools, quotas and auto-allocated topologies — behind Keystone tokens, with
// Neutron's filters, fields, sorting and pages, and its NeutronError fault
// bodies.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AuthContext, TokenValidator } from '../identity/validator.js';
import { requireTokens } from '../identity/token-hook.js';
import { URL_PROBLEM_MESSAGES, urlProblem } from '../api/request-input.js';
import {
  NeutronError, addressScopeNotFound, badRequest, floatingIpNotFound, networkNotFound, portNotFound, routerNotFound, securityGroupNotFound, securityGroupRuleNotFound, subnetNotFound, subnetPoolNotFound,
} from './errors.js';
import {
  ADDRESS_SCOPE_FIELDS, addressScopeView, createAddressScope, deleteAddressScope, listAddressScopes, updateAddressScope, visibleAddressScope,
} from './address-scopes.js';
import {
  SUBNETPOOL_FIELDS, addPrefixes, createSubnetPool, deleteSubnetPool, listSubnetPools, removePrefixes, subnetPoolView, updateSubnetPool, visibleSubnetPool,
} from './subnet-pools.js';
import type { NetworkEnv } from './env.js';
import { EXTENSIONS, extensionView } from './extensions.js';
import { listQuery, showFields, type Query, type View } from './list-query.js';
import { NETWORK_FIELDS, createNetwork, deleteNetwork, listNetworks, networkView, showNetwork, updateNetwork } from './networks.js';
import { SUBNET_FIELDS, createSubnet, deleteSubnet, listSubnets, subnetView, updateSubnet, visibleSubnet } from './subnets.js';
import { tagRoutes } from './tags.js';
import { deleteAutoAllocatedTopology, getAutoAllocatedTopology } from './auto-allocate.js';
import { FLOATING_IP_FIELDS, createFloatingIp, deleteFloatingIp, listFloatingIps, showFloatingIp, updateFloatingIp, visibleFloatingIp } from './floating-ips.js';
import { activateBinding, createBinding, deleteBinding, listBindings, showBinding } from './port-bindings.js';
import { defaultQuota, deleteQuota, listQuotas, quotaDetails, showQuota, updateQuota } from './quotas.js';
import {
  ROUTER_FIELDS, addRouterInterface, createRouter, deleteRouter, listRouters, removeRouterInterface, showRouter, updateRouter, visibleRouter,
} from './routers.js';
import { visibleNetwork } from './networks.js';
import { createPort, deletePort, listPorts, portFieldsFor, showPort, updatePort, visiblePort } from './ports.js';
import {
  SECURITY_GROUP_FIELDS, SECURITY_GROUP_RULE_FIELDS, createGroup, createRule, deleteGroup, deleteRule, listGroups, listRules, showGroup, showRule, updateGroup,
  visibleGroup,
} from './security-groups.js';

export interface NetworkAppOptions {
  readonly env: NetworkEnv;
  readonly validator: TokenValidator;
  /** Identity endpoint named in WWW-Authenticate on a 401. */
  readonly identityUrl: string;
  readonly logger?: FastifyBaseLogger;
  readonly bodyLimit?: number;
}

interface Collection {
  readonly collection: string;
  readonly singular: string;
  readonly fields: (ctx: AuthContext) => readonly string[];
  readonly notFound: (id: string) => NeutronError;
  /** Every visible item, or fewer when the query's filters allow (listQuery applies them all afterwards). */
  list(ctx: AuthContext, query: Query): Promise<View[]>;
  show(ctx: AuthContext, id: string): Promise<View>;
  create(ctx: AuthContext, body: unknown): Promise<View>;
  update?(ctx: AuthContext, id: string, body: unknown): Promise<View>;
  remove(ctx: AuthContext, id: string): Promise<void>;
}

const RESOURCES = [
  { name: 'network', collection: 'networks' },
  { name: 'subnet', collection: 'subnets' },
  { name: 'port', collection: 'ports' },
  { name: 'security_group', collection: 'security-groups' },
  { name: 'security_group_rule', collection: 'security-group-rules' },
  { name: 'router', collection: 'routers' },
  { name: 'floatingip', collection: 'floatingips' },
  { name: 'address_scope', collection: 'address-scopes' },
  { name: 'subnetpool', collection: 'subnetpools' },
];

export function buildNetworkApp(opts: NetworkAppOptions): FastifyInstance {
  const { env } = opts;
  const fault = (reply: FastifyReply, err: NeutronError): FastifyReply => reply.code(err.status).type('application/json').send(err.body());
  const frameworkErrors = (_err: Error, req: FastifyRequest, reply: FastifyReply): FastifyReply =>
    fault(reply, badRequest(URL_PROBLEM_MESSAGES[urlProblem(req.url) ?? 'path-encoding']));
  const base = { frameworkErrors, bodyLimit: opts.bodyLimit ?? 114688 };
  const app: FastifyInstance = opts.logger ? Fastify({ loggerInstance: opts.logger, ...base }) : Fastify({ logger: false, ...base });

  app.addHook('onRequest', async (req, reply) => {
    if (urlProblem(req.url)) return fault(reply, badRequest(URL_PROBLEM_MESSAGES[urlProblem(req.url)!]));
  });

  // Clients send `Content-Type: application/json` with an empty DELETE: no body, no error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(badRequest('The server could not comply with the request since it is either malformed or otherwise incorrect.'), undefined);
    }
  });

  // The version document is public; everything under /v2.0 needs a token, as
  // keystonemiddleware in front of Neutron enforces.
  const contextOf = requireTokens(app, '/v2.0', opts.validator, opts.identityUrl);

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof NeutronError) return fault(reply, err);
    const code = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (code === 413) return fault(reply, new NeutronError(413, 'HTTPRequestEntityTooLarge', 'Request is too large.'));
    if (code !== 500) return fault(reply, badRequest(err.message));
    req.log.error({ err }, 'network request failed');
    return reply.code(500).type('application/json').send({
      NeutronError: { type: 'HTTPInternalServerError', message: 'Request Failed: internal server error while processing your request.', detail: '' },
    });
  });
  app.setNotFoundHandler((_req, reply) => fault(reply, new NeutronError(404, 'HTTPNotFound', 'The resource could not be found.')));

  const origin = (req: FastifyRequest): string => `${req.protocol}://${req.headers.host ?? 'localhost'}`;
  app.get('/', async (req) => ({ versions: [{ status: 'CURRENT', id: 'v2.0', links: [{ href: `${origin(req)}/v2.0/`, rel: 'self' }] }] }));
  const resourceIndex = async (req: FastifyRequest) => ({
    resources: RESOURCES.map((r) => ({ links: [{ href: `${origin(req)}/v2.0/${r.collection}`, rel: 'self' }], name: r.name, collection: r.collection })),
  });
  app.get('/v2.0', resourceIndex);
  app.get('/v2.0/', resourceIndex);
  app.get('/v2.0/extensions', async () => ({ extensions: EXTENSIONS.map(extensionView) }));
  app.get<{ Params: { alias: string } }>('/v2.0/extensions/:alias', async (req) => {
    const ext = EXTENSIONS.find((e) => e.alias === req.params.alias);
    if (!ext) throw new NeutronError(404, 'HTTPNotFound', `Extension with alias ${req.params.alias} does not exist`);
    return { extension: extensionView(ext) };
  });

  const collections: Collection[] = [
    {
      collection: 'networks', singular: 'network', fields: () => NETWORK_FIELDS, notFound: networkNotFound,
      list: (ctx) => listNetworks(env, ctx),
      show: (ctx, id) => showNetwork(env, ctx, id),
      create: async (ctx, body) => networkView(await createNetwork(env, ctx, body), []),
      update: async (ctx, id, body) => (await updateNetwork(env, ctx, id, body), showNetwork(env, ctx, id)),
      remove: (ctx, id) => deleteNetwork(env, ctx, id),
    },
    {
      collection: 'subnets', singular: 'subnet', fields: () => SUBNET_FIELDS, notFound: subnetNotFound,
      list: (ctx) => listSubnets(env, ctx),
      show: async (ctx, id) => subnetView(await visibleSubnet(env, ctx, id)),
      create: async (ctx, body) => subnetView(await createSubnet(env, ctx, body)),
      update: async (ctx, id, body) => subnetView(await updateSubnet(env, ctx, id, body)),
      remove: (ctx, id) => deleteSubnet(env, ctx, id),
    },
    {
      collection: 'ports', singular: 'port', fields: portFieldsFor, notFound: portNotFound,
      list: (ctx, query) => listPorts(env, ctx, query),
      show: (ctx, id) => showPort(env, ctx, id),
      create: (ctx, body) => createPort(env, ctx, body),
      update: (ctx, id, body) => updatePort(env, ctx, id, body),
      remove: (ctx, id) => deletePort(env, ctx, id),
    },
    {
      collection: 'security-groups', singular: 'security_group', fields: () => SECURITY_GROUP_FIELDS, notFound: securityGroupNotFound,
      list: (ctx) => listGroups(env, ctx),
      show: (ctx, id) => showGroup(env, ctx, id),
      create: (ctx, body) => createGroup(env, ctx, body),
      update: (ctx, id, body) => updateGroup(env, ctx, id, body),
      remove: (ctx, id) => deleteGroup(env, ctx, id),
    },
    {
      collection: 'security-group-rules', singular: 'security_group_rule', fields: () => SECURITY_GROUP_RULE_FIELDS, notFound: securityGroupRuleNotFound,
      list: (ctx) => listRules(env, ctx),
      show: (ctx, id) => showRule(env, ctx, id),
      create: (ctx, body) => createRule(env, ctx, body),
      remove: (ctx, id) => deleteRule(env, ctx, id),
    },
    {
      collection: 'routers', singular: 'router', fields: () => ROUTER_FIELDS, notFound: routerNotFound,
      list: (ctx) => listRouters(env, ctx),
      show: (ctx, id) => showRouter(env, ctx, id),
      create: (ctx, body) => createRouter(env, ctx, body),
      update: (ctx, id, body) => updateRouter(env, ctx, id, body),
      remove: (ctx, id) => deleteRouter(env, ctx, id),
    },
    {
      collection: 'floatingips', singular: 'floatingip', fields: () => FLOATING_IP_FIELDS, notFound: floatingIpNotFound,
      list: (ctx) => listFloatingIps(env, ctx),
      show: (ctx, id) => showFloatingIp(env, ctx, id),
      create: (ctx, body) => createFloatingIp(env, ctx, body),
      update: (ctx, id, body) => updateFloatingIp(env, ctx, id, body),
      remove: (ctx, id) => deleteFloatingIp(env, ctx, id),
    },
    {
      collection: 'address-scopes', singular: 'address_scope', fields: () => ADDRESS_SCOPE_FIELDS, notFound: addressScopeNotFound,
      list: (ctx) => listAddressScopes(env, ctx),
      show: async (ctx, id) => addressScopeView(await visibleAddressScope(env, ctx, id)),
      create: (ctx, body) => createAddressScope(env, ctx, body),
      update: (ctx, id, body) => updateAddressScope(env, ctx, id, body),
      remove: (ctx, id) => deleteAddressScope(env, ctx, id),
    },
    {
      collection: 'subnetpools', singular: 'subnetpool', fields: () => SUBNETPOOL_FIELDS, notFound: subnetPoolNotFound,
      list: (ctx) => listSubnetPools(env, ctx),
      show: async (ctx, id) => subnetPoolView(await visibleSubnetPool(env, ctx, id)),
      create: (ctx, body) => createSubnetPool(env, ctx, body),
      update: (ctx, id, body) => updateSubnetPool(env, ctx, id, body),
      remove: (ctx, id) => deleteSubnetPool(env, ctx, id),
    },
  ];

  // Quotas: the specific routes before the collection's `:id`.
  app.get('/v2.0/quotas', async (req) => ({ quotas: await listQuotas(env, contextOf(req)) }));
  app.get('/v2.0/quotas/project', async (req) => ({ project: { project_id: contextOf(req).projectId } }));
  app.get('/v2.0/quotas/tenant', async (req) => ({ tenant: { tenant_id: contextOf(req).projectId } }));
  app.get<{ Params: { id: string } }>('/v2.0/quotas/:id', async (req) => ({ quota: await showQuota(env, contextOf(req), req.params.id) }));
  app.get<{ Params: { id: string } }>('/v2.0/quotas/:id/default', async (req) => ({ quota: defaultQuota(contextOf(req), req.params.id) }));
  app.get<{ Params: { id: string } }>('/v2.0/quotas/:id/details', async (req) => ({ quota: await quotaDetails(env, contextOf(req), req.params.id) }));
  app.put<{ Params: { id: string } }>('/v2.0/quotas/:id', async (req) => ({ quota: await updateQuota(env, contextOf(req), req.params.id, req.body) }));
  app.delete<{ Params: { id: string } }>('/v2.0/quotas/:id', async (req, reply) => {
    await deleteQuota(env, contextOf(req), req.params.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/v2.0/auto-allocated-topology/:id', async (req) => {
    const fields = ([] as string[]).concat((req.query['fields'] as string | string[] | undefined) ?? []).flatMap((f) => f.split(',')).filter((f) => f !== '');
    return { auto_allocated_topology: await getAutoAllocatedTopology(env, contextOf(req), req.params.id, fields) };
  });
  app.delete<{ Params: { id: string } }>('/v2.0/auto-allocated-topology/:id', async (req, reply) => {
    await deleteAutoAllocatedTopology(env, contextOf(req), req.params.id);
    return reply.code(204).send();
  });

  app.put<{ Params: { id: string } }>('/v2.0/subnetpools/:id/add_prefixes', async (req) => addPrefixes(env, contextOf(req), req.params.id, req.body));
  app.put<{ Params: { id: string } }>('/v2.0/subnetpools/:id/remove_prefixes', async (req) => removePrefixes(env, contextOf(req), req.params.id, req.body));
  app.put<{ Params: { id: string } }>('/v2.0/routers/:id/add_router_interface', async (req) => addRouterInterface(env, contextOf(req), req.params.id, req.body));
  app.put<{ Params: { id: string } }>('/v2.0/routers/:id/remove_router_interface', async (req) => removeRouterInterface(env, contextOf(req), req.params.id, req.body));

  app.get<{ Params: { id: string }; Querystring: Query }>('/v2.0/ports/:id/bindings', async (req) => {
    const bindings = await listBindings(env, contextOf(req), req.params.id);
    // Bindings have no id; the host stands in for one while filtering and paging.
    const out = listQuery(bindings.map((b) => ({ ...b, id: b['host'] })), req.query, {
      collection: 'bindings', attributes: ['host', 'vif_type', 'vnic_type', 'status'], markerNotFound: (h) => new NeutronError(404, 'PortBindingNotFound', `Binding for port ${req.params.id} for host ${h} could not be found.`),
      url: `${origin(req)}/v2.0/ports/${req.params.id}/bindings`,
    });
    return { ...out, bindings: (out['bindings'] as Array<Record<string, unknown>>).map(({ id: _host, ...b }) => b) };
  });
  app.get<{ Params: { id: string; host: string }; Querystring: Query }>('/v2.0/ports/:id/bindings/:host', async (req) => ({
    binding: showFields(await showBinding(env, contextOf(req), req.params.id, req.params.host), req.query),
  }));
  app.post<{ Params: { id: string } }>('/v2.0/ports/:id/bindings', async (req, reply) =>
    reply.code(201).send({ binding: await createBinding(env, contextOf(req), req.params.id, req.body) }));
  app.put<{ Params: { id: string; host: string } }>('/v2.0/ports/:id/bindings/:host/activate', async (req) => ({
    binding: await activateBinding(env, contextOf(req), req.params.id, req.params.host),
  }));
  app.delete<{ Params: { id: string; host: string } }>('/v2.0/ports/:id/bindings/:host', async (req, reply) => {
    await deleteBinding(env, contextOf(req), req.params.id, req.params.host);
    return reply.code(204).send();
  });

  for (const c of collections) {
    // The body key of a collection is its URL name with underscores (security_groups).
    const key = c.collection.replace(/-/g, '_');
    const url = `/v2.0/${c.collection}`;
    app.get<{ Querystring: Query }>(url, async (req) => {
      const ctx = contextOf(req);
      return listQuery(await c.list(ctx, req.query), req.query, { collection: key, attributes: c.fields(ctx), markerNotFound: c.notFound, url: `${origin(req)}${url}` });
    });
    app.get<{ Params: { id: string }; Querystring: Query }>(`${url}/:id`, async (req) => ({
      [c.singular]: showFields(await c.show(contextOf(req), req.params.id), req.query),
    }));
    app.post(url, async (req, reply) => reply.code(201).send({ [c.singular]: await c.create(contextOf(req), req.body) }));
    if (c.update) {
      const update = c.update;
      app.put<{ Params: { id: string } }>(`${url}/:id`, async (req) => ({ [c.singular]: await update(contextOf(req), req.params.id, req.body) }));
    }
    app.delete<{ Params: { id: string } }>(`${url}/:id`, async (req, reply) => {
      await c.remove(contextOf(req), req.params.id);
      return reply.code(204).send();
    });
  }
  tagRoutes(app, env, { collection: 'networks', singular: 'network', table: 'network_networks', visible: (ctx, id) => visibleNetwork(env, ctx, id) }, contextOf);
  tagRoutes(app, env, { collection: 'subnets', singular: 'subnet', table: 'network_subnets', visible: (ctx, id) => visibleSubnet(env, ctx, id) }, contextOf);
  tagRoutes(app, env, { collection: 'ports', singular: 'port', table: 'network_ports', visible: async (ctx, id) => (await visiblePort(env, ctx, id)).port }, contextOf);
  tagRoutes(app, env, { collection: 'security-groups', singular: 'security_group', table: 'network_security_groups', visible: (ctx, id) => visibleGroup(env, ctx, id) }, contextOf);
  tagRoutes(app, env, { collection: 'routers', singular: 'router', table: 'network_routers', visible: (ctx, id) => visibleRouter(env, ctx, id) }, contextOf);
  tagRoutes(app, env, { collection: 'subnetpools', singular: 'subnetpool', table: 'network_subnetpools', visible: (ctx, id) => visibleSubnetPool(env, ctx, id) }, contextOf);
  tagRoutes(app, env, { collection: 'floatingips', singular: 'floatingip', table: 'network_floatingips', visible: (ctx, id) => visibleFloatingIp(env, ctx, id) }, contextOf);
  return app;
}
