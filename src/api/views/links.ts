// Self and bookmark links, as every Nova resource carries them. The self link
// is versioned (`.../v2.1[/project]/...`), the bookmark is not; both keep the
// project segment only when the request URL had it.
import type { RequestContext } from '../context.js';
import type { Link } from './paging.js';

export type { Link };

export function selfLink(ctx: RequestContext, collection: string, id: string): Link {
  return { rel: 'self', href: `${ctx.selfBase}/${collection}/${id}` };
}

export function bookmarkLink(ctx: RequestContext, collection: string, id: string): Link {
  return { rel: 'bookmark', href: `${ctx.bookmarkBase}/${collection}/${id}` };
}

/** `[self, bookmark]` for one item of a collection. */
export function resourceLinks(ctx: RequestContext, collection: string, id: string): Link[] {
  return [selfLink(ctx, collection, id), bookmarkLink(ctx, collection, id)];
}
