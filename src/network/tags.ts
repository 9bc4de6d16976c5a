// Neutron's tag extension (standard-attr-tag): tags on networks, subnets,
// ports and security groups, set one at a time or all at once through
// /v2.0/<collection>/<id>/tags, by whoever may update the resource; each
// change moves the resource's revision.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../identity/validator.js';
import { mayWrite } from './access.js';
import { NeutronError, badRequest, invalidAttr } from './errors.js';
import { revised, type NetworkEnv } from './env.js';
import type { Resource, ResourceTable } from './store.js';

export interface Taggable {
  readonly collection: string;
  readonly singular: string;
  readonly table: ResourceTable;
  /** The resource as the caller may see it, else its 404. */
  visible(ctx: AuthContext, id: string): Promise<Resource>;
}

const MAX_TAG_LENGTH = 255;

function checkTag(tag: unknown): string {
  if (typeof tag !== 'string' || tag === '') throw invalidAttr('tags', `'${String(tag)}' is not a valid string`);
  if (tag.length > MAX_TAG_LENGTH) throw invalidAttr('tags', `'${tag}' exceeds maximum length of ${MAX_TAG_LENGTH}`);
  return tag;
}

export const tagsOf = (r: Resource): string[] => [...((r['tags'] as string[] | undefined) ?? [])].sort();

async function changeTags(env: NetworkEnv, t: Taggable, ctx: AuthContext, id: string, change: (tags: string[]) => string[]): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    const r = await t.visible(ctx, id);
    mayWrite(ctx, r.project_id, `update_${t.singular}`);
    const tags = [...new Set(change(tagsOf(r)))].sort();
    if (await env.store.replace(t.table, revised(env, r, { tags }))) return tags;
    if (attempt > 5) throw new NeutronError(409, 'Conflict', `The ${t.singular} ${id} was changed by another request; try again.`);
  }
}

export function tagRoutes(app: FastifyInstance, env: NetworkEnv, t: Taggable, contextOf: (req: FastifyRequest) => AuthContext): void {
  const base = `/v2.0/${t.collection}/:id/tags`;
  const notFound = (tag: string, id: string): NeutronError =>
    new NeutronError(404, 'TagNotFound', `Tag ${tag} could not be found for ${t.singular} ${id}.`);
  app.get<{ Params: { id: string } }>(base, async (req) => ({ tags: tagsOf(await t.visible(contextOf(req), req.params.id)) }));
  app.get<{ Params: { id: string; tag: string } }>(`${base}/:tag`, async (req, reply) => {
    if (!tagsOf(await t.visible(contextOf(req), req.params.id)).includes(req.params.tag)) throw notFound(req.params.tag, req.params.id);
    return reply.code(204).send();
  });
  app.put<{ Params: { id: string } }>(base, async (req) => {
    const body = req.body as { tags?: unknown } | undefined;
    if (!body || typeof body !== 'object' || !Array.isArray(body.tags)) throw badRequest("Invalid input for tags. Reason: 'tags' must be a list of strings.");
    const wanted = body.tags.map(checkTag);
    return { tags: await changeTags(env, t, contextOf(req), req.params.id, () => wanted) };
  });
  app.put<{ Params: { id: string; tag: string } }>(`${base}/:tag`, async (req, reply) => {
    const tag = checkTag(req.params.tag);
    await changeTags(env, t, contextOf(req), req.params.id, (tags) => [...tags, tag]);
    return reply.code(201).send();
  });
  app.delete<{ Params: { id: string } }>(base, async (req, reply) => {
    await changeTags(env, t, contextOf(req), req.params.id, () => []);
    return reply.code(204).send();
  });
  app.delete<{ Params: { id: string; tag: string } }>(`${base}/:tag`, async (req, reply) => {
    await changeTags(env, t, contextOf(req), req.params.id, (tags) => {
      if (!tags.includes(req.params.tag)) throw notFound(req.params.tag, req.params.id);
      return tags.filter((x) => x !== req.params.tag);
    });
    return reply.code(204).send();
  });
}

/** The tag filters of a list: `tags` (all of), `tags-any`, `not-tags` (not all of), `not-tags-any` (none of); comma-separated. */
export function tagFilter(name: string, wanted: string, tags: readonly string[]): boolean {
  const want = wanted.split(',').filter((x) => x !== '');
  const has = (x: string): boolean => tags.includes(x);
  if (name === 'tags') return want.every(has);
  if (name === 'tags-any') return want.some(has);
  if (name === 'not-tags') return !want.every(has);
  return !want.some(has);
}

export const TAG_FILTERS = new Set(['tags', 'tags-any', 'not-tags', 'not-tags-any']);
