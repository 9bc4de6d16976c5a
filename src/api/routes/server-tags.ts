// /servers/{server_id}/tags[/{tag}] (2.26+): list, replace all, delete all,
// and one tag checked (204/404), added (201 with its Location, or 204 when
// the server has it) or removed. Tags are looked up as Nova looks them up,
// through the server's cell mapping: an unknown server has "no mapping to a
// cell", and another project's server is refused by policy, not hidden.
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { RequestContext } from '../context.js';
import { authorize } from '../context.js';
import { badRequest, notFound } from '../faults.js';
import { pyRepr } from '../pyrepr.js';
import type { InstanceRow } from '../../db/schema.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { InstanceInvalidState, InstanceNotFound } from '../../compute/errors.js';
import { addTag, checkTaggable, deleteAllTags, deleteTag, MAX_TAG_LENGTH, replaceTags, tagsOf } from '../../compute/server-tags.js';
import { TAG_PATTERN, tagsBody } from '../schemas/server-tags.js';

const POLICY = 'os_compute_api:os-server-tags';

/** The server (of any project) after the policy check against its project; deleted ones are not found. */
async function taggedServer(deps: ApiDeps, ctx: RequestContext, id: string, rule: string): Promise<InstanceRow> {
  let inst: InstanceRow;
  try {
    inst = await getServer(deps.compute, { projectId: ctx.projectId, isAdmin: true }, id, { readDeleted: true });
  } catch (err) {
    if (err instanceof InstanceNotFound) throw notFound(`Instance ${id} has no mapping to a cell.`);
    throw err;
  }
  authorize(ctx, `${POLICY}:${rule}`, serverTarget(inst));
  if (inst.deleted !== 0) throw new InstanceNotFound(id);
  return inst;
}

/** Nova names the server in these conflicts as the client did. */
async function asGiven<T>(id: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InstanceInvalidState) throw new InstanceInvalidState(id, err.action, err.attr, err.state);
    throw err;
  }
}

/** A tag named in the URL, checked as the body's tags are, with Nova's message. */
function checkTagInUrl(tag: string): void {
  let why: string | null = null;
  if (!new RegExp(TAG_PATTERN).test(tag)) why = `${pyRepr(tag)} does not match ${pyRepr(TAG_PATTERN)}`;
  else if ([...tag].length > MAX_TAG_LENGTH) why = `${pyRepr(tag)} is too long`;
  if (why !== null)
    throw badRequest(`Tag '${tag}' is invalid. It must be a non empty string without characters '/' and ','. Validation error message: ${why}`);
}

/** Tag requests take no body (an empty one, or JSON null). */
function checkNoBody(body: unknown): void {
  if (body !== undefined && body !== null) throw badRequest(`${pyRepr(body)} is not of type 'null'`);
}

export function registerServerTagRoutes(routes: RouteTable, deps: ApiDeps): void {
  const base = '/servers/:server_id/tags';

  routes.route({
    min: '2.26',
    method: 'GET',
    path: base,
    status: 200,
    handler: async ({ ctx, params }) => {
      const inst = await taggedServer(deps, ctx, params['server_id']!, 'index');
      return { tags: tagsOf(inst) };
    },
  });

  routes.route({
    min: '2.26',
    method: 'PUT',
    path: base,
    status: 200,
    body: [{ schema: tagsBody }],
    handler: async ({ ctx, params, body }) => {
      const id = params['server_id']!;
      const inst = await taggedServer(deps, ctx, id, 'update_all');
      const tags = await asGiven(id, () => replaceTags(deps.compute, inst, (body as { tags: string[] }).tags));
      return { tags };
    },
  });

  routes.route({
    min: '2.26',
    method: 'DELETE',
    path: base,
    status: 204,
    handler: async ({ ctx, params }) => {
      const id = params['server_id']!;
      const inst = await taggedServer(deps, ctx, id, 'delete_all');
      await asGiven(id, () => deleteAllTags(deps.compute, inst));
      return undefined;
    },
  });

  routes.route({
    min: '2.26',
    method: 'GET',
    path: `${base}/:tag`,
    status: 204,
    handler: async ({ ctx, params }) => {
      const id = params['server_id']!;
      const tag = params['tag']!;
      const inst = await taggedServer(deps, ctx, id, 'show');
      if (!tagsOf(inst).includes(tag)) throw notFound(`Server ${id} has no tag '${tag}'`);
      return undefined;
    },
  });

  routes.route({
    min: '2.26',
    method: 'PUT',
    path: `${base}/:tag`,
    status: 201,
    handler: async ({ ctx, params, body }) => {
      checkNoBody(body);
      const id = params['server_id']!;
      const tag = params['tag']!;
      const inst = await taggedServer(deps, ctx, id, 'update');
      await asGiven(id, () => checkTaggable(inst, 'update tag'));
      checkTagInUrl(tag);
      const outcome = await asGiven(id, () => addTag(deps.compute, inst, tag));
      if (outcome === 'existed') return respond(204);
      return respond(201, undefined, { Location: `${ctx.selfBase}/servers/${id}/tags/${encodeURI(tag)}` });
    },
  });

  routes.route({
    min: '2.26',
    method: 'DELETE',
    path: `${base}/:tag`,
    status: 204,
    handler: async ({ ctx, params }) => {
      const id = params['server_id']!;
      const inst = await taggedServer(deps, ctx, id, 'delete');
      await asGiven(id, () => deleteTag(deps.compute, inst, params['tag']!, id));
      return undefined;
    },
  });
}
