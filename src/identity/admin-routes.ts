// Projects, users, roles and role assignments, read and written as Keystone
// does it: the admin side that `openstack project/user/role ...` and
// Tempest's dynamic credentials use. Every action is decided by Keystone's
// default policy (policy.ts); records made here live in the database.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenPayload } from './tokens.js';
import type { IdentityStore } from './store.js';
import type { IdentityPolicy } from './policy.js';
import type { Project, Role, User } from './users.js';
import { IdentityError, invalid, notFound } from './errors.js';
import { invalidCombination, listRoleAssignments } from './role-assignments.js';
import { readProjectCreate, readProjectUpdate, readRoleCreate, readUserCreate, readUserUpdate } from './schemas.js';
import { collection, projectView, roleView, userView } from './views.js';

export interface AdminRouteContext {
  readonly store: IdentityStore;
  readonly policy: IdentityPolicy;
  /** The caller's token, or null after answering 401. */
  caller(req: FastifyRequest, reply: FastifyReply): Promise<TokenPayload | null>;
  baseUrl(req: FastifyRequest): string;
  selfUrl(req: FastifyRequest): string;
}

type IdParams = { Params: { id: string } };
type GrantParams = { Params: { projectId: string; userId: string; roleId: string } };
type ListQuery = { Querystring: Record<string, string | undefined> };

/** Keystone's query booleans: present with any value but "0" is true. */
const queryTrue = (v: string | undefined): boolean => v !== undefined && v !== '0';

/** Keystone's `enabled` filter: "false" and "0" (any case) mean false. */
const enabledFilter = (v: string | undefined): boolean | undefined => (v === undefined ? undefined : !['0', 'false'].includes(v.toLowerCase()));

const projectTarget = (p: Project | undefined): Record<string, unknown> => ({ target: { project: p ? { id: p.id, domain_id: p.domainId } : {} } });
const userTarget = (u: { readonly id: string; readonly domainId: string | null }): Record<string, unknown> => ({ target: { user: { id: u.id, domain_id: u.domainId } } });

export function registerAdminRoutes(app: FastifyInstance, ctx: AdminRouteContext): void {
  const { store, policy } = ctx;

  /** The caller when Keystone's policy lets them do `action` on `target`; throws 403 otherwise. */
  const authorized = async (req: FastifyRequest, reply: FastifyReply, action: string, target: Record<string, unknown> = {}): Promise<TokenPayload | null> => {
    const auth = await ctx.caller(req, reply);
    if (!auth) return null;
    if (!policy.allowed(action, target, auth)) throw new IdentityError(403, `You are not authorized to perform the requested action: identity:${action}.`);
    return auth;
  };
  /** Authentication first (401), then the record (404), then the policy (403). */
  const authenticated = (req: FastifyRequest, reply: FastifyReply): Promise<TokenPayload | null> => ctx.caller(req, reply);
  const allow = (auth: TokenPayload, action: string, target: Record<string, unknown>): void => {
    if (!policy.allowed(action, target, auth)) throw new IdentityError(403, `You are not authorized to perform the requested action: identity:${action}.`);
  };
  const project = async (id: string): Promise<Project> => {
    const p = await store.projectById(id);
    if (!p) throw notFound('project', id);
    return p;
  };
  const user = async (id: string): Promise<User> => {
    const u = await store.userById(id);
    if (!u) throw notFound('user', id);
    return u;
  };
  const role = async (id: string): Promise<Role> => {
    const r = await store.roleById(id);
    if (!r) throw notFound('role', id);
    return r;
  };
  const domain = (id: string): string => {
    if (!store.domainById(id)) throw notFound('domain', id);
    return id;
  };

  // Projects.

  app.get<ListQuery>('/v3/projects', async (req, reply) => {
    const q = req.query;
    if (!(await authorized(req, reply, 'list_projects', { domain_id: q['domain_id'] ?? null }))) return reply;
    const enabled = enabledFilter(q['enabled']);
    const tagged = q['tags']?.split(',');
    const projects = (await store.listProjects())
      .filter(
        (p) =>
          (q['name'] === undefined || p.name === q['name']) &&
          (q['domain_id'] === undefined || p.domainId === q['domain_id']) &&
          (q['parent_id'] === undefined || p.domainId === q['parent_id']) &&
          (enabled === undefined || p.enabled === enabled) &&
          (q['is_domain'] === undefined || !queryTrue(q['is_domain'])) &&
          (tagged === undefined || tagged.every((t) => p.tags.includes(t))),
      )
      .map((p) => projectView(p, ctx.baseUrl(req)));
    return collection('projects', projects, ctx.selfUrl(req));
  });

  app.get<IdParams>('/v3/projects/:id', async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    const p = await project(req.params.id);
    allow(auth, 'get_project', projectTarget(p));
    return { project: projectView(p, ctx.baseUrl(req)) };
  });

  app.post('/v3/projects', async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    const body = readProjectCreate(req.body);
    // Without a domain the project goes where the caller's project lives.
    const domainId = body.domainId ?? (await store.projectById(auth.projectId))?.domainId ?? 'default';
    allow(auth, 'create_project', { target: { project: { domain_id: domainId } } });
    domain(domainId);
    if (body.isDomain === true) throw invalid('Projects acting as domains are not supported.');
    if (body.parentId !== undefined && body.parentId !== null && body.parentId !== domainId) {
      await project(body.parentId);
      throw invalid('Project hierarchies are not supported: a project can only have its domain as parent.');
    }
    const created = await store.createProject({
      name: body.name,
      domainId,
      description: body.description ?? '',
      enabled: body.enabled ?? true,
      tags: body.tags ?? [],
      extra: body.extra,
    });
    return reply.code(201).send({ project: projectView(created, ctx.baseUrl(req)) });
  });

  app.patch<IdParams>('/v3/projects/:id', async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    const body = readProjectUpdate(req.body);
    const p = await project(req.params.id);
    allow(auth, 'update_project', projectTarget(p));
    if (body.domainId !== undefined && body.domainId !== p.domainId) throw invalid('Update of `domain_id` is not allowed.');
    if (body.isDomain !== undefined && body.isDomain) throw invalid('Update of `is_domain` is not allowed.');
    if (body.parentId !== undefined && body.parentId !== p.domainId) throw invalid('Update of `parent_id` is not allowed.');
    const updated = await store.updateProject(p.id, {
      ...(body.name !== undefined && { name: body.name }),
      ...(body.description !== undefined && { description: body.description ?? '' }),
      ...(body.enabled !== undefined && { enabled: body.enabled }),
      ...(body.tags !== undefined && { tags: body.tags }),
      extra: body.extra,
    });
    return { project: projectView(updated, ctx.baseUrl(req)) };
  });

  app.delete<IdParams>('/v3/projects/:id', async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    const p = await project(req.params.id);
    allow(auth, 'delete_project', projectTarget(p));
    await store.deleteProject(p.id);
    return reply.code(204).send();
  });

  // Users.

  app.get<ListQuery>('/v3/users', async (req, reply) => {
    const q = req.query;
    if (!(await authorized(req, reply, 'list_users', { domain_id: q['domain_id'] ?? null }))) return reply;
    const enabled = enabledFilter(q['enabled']);
    const users = (await store.listUsers())
      .filter(
        (u) =>
          (q['name'] === undefined || u.name === q['name']) &&
          (q['domain_id'] === undefined || u.domainId === q['domain_id']) &&
          (enabled === undefined || u.enabled === enabled),
      )
      .map((u) => userView(u, ctx.baseUrl(req)));
    return collection('users', users, ctx.selfUrl(req));
  });

  app.get<IdParams>('/v3/users/:id', async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    const u = await store.userById(req.params.id);
    // Keystone decides before looking: another user's id answers 403 whether or not it exists.
    allow(auth, 'get_user', userTarget(u ?? { id: req.params.id, domainId: null }));
    if (!u) throw notFound('user', req.params.id);
    return { user: userView(u, ctx.baseUrl(req)) };
  });

  app.get<IdParams>('/v3/users/:id/projects', async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    const u = await store.userById(req.params.id);
    allow(auth, 'list_user_projects', userTarget(u ?? { id: req.params.id, domainId: null }));
    if (!u) throw notFound('user', req.params.id);
    const projects = (await store.projectsOf(u.id)).map((p) => projectView(p, ctx.baseUrl(req)));
    return collection('projects', projects, ctx.selfUrl(req));
  });

  app.post('/v3/users', async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    const body = readUserCreate(req.body);
    const domainId = body.domainId ?? (await store.projectById(auth.projectId))?.domainId ?? 'default';
    allow(auth, 'create_user', { target: { user: { domain_id: domainId } } });
    domain(domainId);
    const created = await store.createUser({
      name: body.name,
      domainId,
      defaultProjectId: body.defaultProjectId ?? null,
      enabled: body.enabled ?? true,
      password: body.password ?? null,
      extra: body.extra,
    });
    return reply.code(201).send({ user: userView(created, ctx.baseUrl(req)) });
  });

  app.patch<IdParams>('/v3/users/:id', async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    const body = readUserUpdate(req.body);
    const u = await user(req.params.id);
    allow(auth, 'update_user', userTarget(u));
    if (body.domainId !== undefined && body.domainId !== u.domainId) throw invalid('Update of `domain_id` is not allowed.');
    const updated = await store.updateUser(u.id, {
      ...(body.name !== undefined && { name: body.name }),
      ...(body.defaultProjectId !== undefined && { defaultProjectId: body.defaultProjectId }),
      ...(body.enabled !== undefined && { enabled: body.enabled }),
      ...(body.password !== undefined && { password: body.password }),
      extra: body.extra,
    });
    return { user: userView(updated, ctx.baseUrl(req)) };
  });

  app.delete<IdParams>('/v3/users/:id', async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    const u = await user(req.params.id);
    allow(auth, 'delete_user', userTarget(u));
    await store.deleteUser(u.id);
    return reply.code(204).send();
  });

  // Roles.

  app.get<ListQuery>('/v3/roles', async (req, reply) => {
    if (!(await authorized(req, reply, 'list_roles', { domain_id: req.query['domain_id'] ?? null }))) return reply;
    const { name } = req.query;
    // Domain-specific roles do not exist here.
    const roles = req.query['domain_id'] !== undefined ? [] : (await store.listRoles()).filter((r) => name === undefined || r.name === name);
    return collection('roles', roles.map((r) => roleView(r, ctx.baseUrl(req))), ctx.selfUrl(req));
  });

  app.get<IdParams>('/v3/roles/:id', async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    const r = await role(req.params.id);
    allow(auth, 'get_role', { target: { role: { id: r.id, name: r.name, domain_id: null } } });
    return { role: roleView(r, ctx.baseUrl(req)) };
  });

  app.post('/v3/roles', async (req, reply) => {
    if (!(await authorized(req, reply, 'create_role'))) return reply;
    const body = readRoleCreate(req.body);
    if (body.domainId !== null) throw invalid('Domain-specific roles are not supported.');
    const created = await store.createRole(body.name, body.description);
    return reply.code(201).send({ role: roleView(created, ctx.baseUrl(req)) });
  });

  app.delete<IdParams>('/v3/roles/:id', async (req, reply) => {
    if (!(await authorized(req, reply, 'delete_role'))) return reply;
    await store.deleteRole(req.params.id);
    return reply.code(204).send();
  });

  // Grants of roles to users on projects.

  /** The grant's role, user and project (Keystone looks them up in this order), for the policy's target. */
  const grantTarget = async (p: GrantParams['Params']): Promise<Record<string, unknown>> => {
    const r = await role(p.roleId);
    const u = await user(p.userId);
    const pr = await project(p.projectId);
    return { target: { role: { id: r.id, name: r.name, domain_id: null }, user: { id: u.id, domain_id: u.domainId }, project: { id: pr.id, domain_id: pr.domainId } } };
  };
  const assignmentNotFound = (p: GrantParams['Params']): IdentityError =>
    new IdentityError(404, `Could not find role assignment with role: ${p.roleId}, user or group: ${p.userId}, project, domain, or system: ${p.projectId}.`);
  const grantPath = '/v3/projects/:projectId/users/:userId/roles/:roleId';

  app.put<GrantParams>(grantPath, async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    allow(auth, 'create_grant', await grantTarget(req.params));
    await store.grant(req.params.userId, req.params.projectId, req.params.roleId);
    return reply.code(204).send();
  });

  // HEAD is derived by fastify: 204 when granted, 404 when not.
  app.get<GrantParams>(grantPath, async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    allow(auth, 'check_grant', await grantTarget(req.params));
    const { userId, projectId, roleId } = req.params;
    if ((await store.grants({ userId, projectId, roleId })).length === 0) throw assignmentNotFound(req.params);
    return reply.code(204).send();
  });

  app.delete<GrantParams>(grantPath, async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    allow(auth, 'revoke_grant', await grantTarget(req.params));
    if (!(await store.revoke(req.params.userId, req.params.projectId, req.params.roleId))) throw assignmentNotFound(req.params);
    return reply.code(204).send();
  });

  app.get<{ Params: { projectId: string; userId: string } }>('/v3/projects/:projectId/users/:userId/roles', async (req, reply) => {
    const auth = await authenticated(req, reply);
    if (!auth) return reply;
    const u = await user(req.params.userId);
    const p = await project(req.params.projectId);
    allow(auth, 'list_grants', { target: { user: { id: u.id, domain_id: u.domainId }, project: { id: p.id, domain_id: p.domainId } } });
    const roles: Role[] = [];
    for (const g of await store.grants({ userId: u.id, projectId: p.id })) {
      const r = await store.roleById(g.roleId);
      if (r) roles.push(r);
    }
    return collection('roles', roles.map((r) => roleView(r, ctx.baseUrl(req))), ctx.selfUrl(req));
  });

  app.get<ListQuery>('/v3/role_assignments', async (req, reply) => {
    const p = req.query;
    if (!(await authorized(req, reply, 'list_role_assignments', { domain_id: p['scope.domain.id'] ?? null }))) return reply;
    const query = {
      userId: p['user.id'],
      groupId: p['group.id'],
      roleId: p['role.id'],
      projectId: p['scope.project.id'],
      domainId: p['scope.domain.id'],
      system: p['scope.system'],
      effective: queryTrue(p['effective']),
      includeNames: queryTrue(p['include_names']),
    };
    const refused = invalidCombination(query);
    if (refused) throw invalid(refused);
    return collection('role_assignments', await listRoleAssignments(store, query, `${ctx.baseUrl(req)}/v3`), ctx.selfUrl(req));
  });
}
