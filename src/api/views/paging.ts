// Paged lists, as every Nova collection builds them:
// `limit` is capped at [api] max_limit, and a `next` link (the request's
// query with `marker` replaced by the last item's key) is added only when
// the page came back full.
import type { Config } from '../../config/config.js';
import type { RequestContext } from '../context.js';
import type { Query } from '../query.js';
import { badRequest } from '../faults.js';

export interface Link {
  readonly rel: string;
  readonly href: string;
}

export interface PageParams {
  /** Effective page size: min(limit, max_limit); max_limit when absent. */
  readonly limit: number;
  readonly marker: string | undefined;
}

/** `limit` and `marker` of a request; a `limit` that is not a non-negative integer is 400. */
export function pageParams(conf: Config, query: Query): PageParams {
  const max = conf.num('api', 'max_limit');
  const raw = query.get('limit');
  let limit = max;
  if (raw !== undefined) {
    if (!/^\s*\+?\d+\s*$/.test(raw)) throw badRequest('Invalid input received: limit must be an integer');
    limit = Math.min(Number(raw), max);
  }
  return { limit, marker: query.get('marker') };
}

/** The request's URL for `collectionPath` with its parameters sorted by name, one (the last) value each, marker replaced. */
export function nextHref(ctx: RequestContext, collectionPath: string, lastKey: string | number): string {
  const params = new URLSearchParams();
  const names = Object.keys(ctx.rawQuery).filter((n) => n !== 'marker');
  const entries: Array<[string, string]> = names.map((n) => {
    const v = ctx.rawQuery[n]!;
    return [n, v[v.length - 1] ?? ''];
  });
  entries.push(['marker', String(lastKey)]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [k, v] of entries) params.append(k, v);
  return `${ctx.selfBase}/${collectionPath}?${params.toString()}`;
}

/** Page size alone: min(limit, [api] max_limit); limit absent → max_limit. */
export function pageLimit(conf: Config, query: Query): number {
  return pageParams(conf, query).limit;
}

/** `[{rel: 'next', href}]` when the page of `items` is full (items == limit), else `[]`. */
export function collectionLinks<T>(ctx: RequestContext, collectionPath: string, items: readonly T[], limit: number, keyOf: (last: T) => string | number): Link[] {
  const last = items[items.length - 1];
  if (last === undefined || items.length !== limit) return [];
  return [{ rel: 'next', href: nextHref(ctx, collectionPath, keyOf(last)) }];
}
