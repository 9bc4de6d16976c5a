// /os-keypairs: list (paged from 2.35), show, create or import, delete. A
// keypair belongs to a user; from 2.10 an admin may name another user with
// `user_id` (body on create, query elsewhere).
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, type RequestContext } from '../context.js';
import type { Query } from '../query.js';
import { validateBody } from '../validation.js';
import { createKeyPair, deleteKeyPair, getKeyPair, listKeyPairs } from '../../compute/keypairs.js';
import {
  KEYPAIR_ITEM_QUERY,
  KEYPAIR_LIST_QUERY,
  checkKeypairNameFormat,
  keypairCreateSchema,
  type KeypairCreateBody,
} from '../schemas/keypairs.js';
import { keypairCreated, keypairListItem, keypairShow } from '../views/keypairs.js';
import { collectionLinks, pageParams } from '../views/paging.js';

const POLICY = 'os_compute_api:os-keypairs';

/** The keypair owner a request is about: `user_id` (first value, from 2.10) or the caller. An empty value means the caller. */
function ownerFrom(ctx: RequestContext, query: Query): string {
  const given = ctx.version.atLeast('2.10') ? query.all('user_id')[0] : undefined;
  return given || ctx.userId;
}

export function registerKeypairRoutes(routes: RouteTable, deps: ApiDeps): void {
  const svc = deps.compute;

  routes.route({
    method: 'GET',
    path: '/os-keypairs',
    status: 200,
    query: KEYPAIR_LIST_QUERY,
    handler: async ({ ctx, query }) => {
      const userId = ownerFrom(ctx, query);
      authorize(ctx, `${POLICY}:index`, { user_id: userId });
      const paged = ctx.version.atLeast('2.35');
      const page = paged ? pageParams(deps.conf, query) : undefined;
      const rows = await listKeyPairs(svc, userId, page ? { limit: page.limit, marker: page.marker } : {});
      const withType = ctx.version.atLeast('2.2');
      const body: Record<string, unknown> = { keypairs: rows.map((kp) => keypairListItem(kp, withType)) };
      if (page) {
        const links = collectionLinks(ctx, 'os-keypairs', rows, page.limit, (kp) => kp.name);
        if (links.length > 0) body['keypairs_links'] = links;
      }
      return body;
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-keypairs/:keypair_name',
    status: 200,
    query: KEYPAIR_ITEM_QUERY,
    handler: async ({ ctx, params, query }) => {
      const userId = ownerFrom(ctx, query);
      authorize(ctx, `${POLICY}:show`, { user_id: userId });
      const kp = await getKeyPair(svc, userId, params['keypair_name']!);
      return keypairShow(kp, ctx.version.atLeast('2.2'));
    },
  });

  routes.route({
    method: 'POST',
    path: '/os-keypairs',
    status: 201,
    handler: async ({ ctx, body }) => {
      const v = ctx.version;
      checkKeypairNameFormat(body);
      validateBody(keypairCreateSchema(v), body);
      const kp = (body as KeypairCreateBody).keypair;
      const userId = (v.atLeast('2.10') ? kp.user_id : undefined) || ctx.userId;
      authorize(ctx, `${POLICY}:create`, { user_id: userId });
      const type = v.atLeast('2.2') ? (kp.type ?? 'ssh') : 'ssh';
      const made = await createKeyPair(svc, {
        caller: { projectId: ctx.projectId, userId: ctx.userId },
        userId,
        name: kp.name,
        type,
        ...(kp.public_key !== undefined ? { publicKey: kp.public_key } : {}),
      });
      return respond(v.atLeast('2.2') ? 201 : 200, keypairCreated(made.keypair, v.atLeast('2.2'), made.privateKey));
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/os-keypairs/:keypair_name',
    status: 204,
    query: KEYPAIR_ITEM_QUERY,
    handler: async ({ ctx, params, query }) => {
      const userId = ownerFrom(ctx, query);
      authorize(ctx, `${POLICY}:delete`, { user_id: userId });
      await deleteKeyPair(svc, userId, params['keypair_name']!);
      return respond(ctx.version.atLeast('2.2') ? 204 : 202);
    },
  });
}
