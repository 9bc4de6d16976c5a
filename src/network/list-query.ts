// A Neutron collection GET: filters (any attribute as a query parameter,
// repeated = any of them), `fields`, `sort_key`/`sort_dir`, and
// `limit`/`marker` pages with `<collection>_links`, applied to the views the
// caller may see.
import { badRequest, invalidInput, type NeutronError } from './errors.js';
import { TAG_FILTERS, tagFilter } from './tags.js';

export type Query = Readonly<Record<string, string | readonly string[] | undefined>>;
export type View = Record<string, unknown>;

const CONTROL = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse']);

const values = (q: Query, name: string): string[] => {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? [...(v as string[])] : [v as string];
};

/** How a filter value compares with an attribute: booleans in any of Neutron's spellings. */
function matches(attr: unknown, wanted: string): boolean {
  if (attr === null || attr === undefined) return wanted === '' || wanted.toLowerCase() === 'none';
  if (typeof attr === 'boolean') {
    const w = wanted.toLowerCase();
    return attr ? w === 'true' || w === '1' : w === 'false' || w === '0';
  }
  if (Array.isArray(attr)) return attr.some((a) => typeof a !== 'object' && String(a) === wanted);
  return String(attr) === wanted;
}

/** `fixed_ips=ip_address=10.0.0.5` / `fixed_ips=subnet_id=…`: any of the port's addresses. */
function matchesFixedIp(attr: unknown, wanted: string): boolean {
  const m = /^(ip_address|subnet_id|ip_address_substr)=(.*)$/.exec(wanted);
  if (!m || !Array.isArray(attr)) return false;
  return (attr as Array<Record<string, string>>).some((ip) =>
    m[1] === 'ip_address_substr' ? ip['ip_address']!.includes(m[2]!) : ip[m[1]!] === m[2],
  );
}

/**
 * `allowed_address_pairs=ip_address=10.0.0.9` / `…=mac_address=…`: ports
 * with a pair of any of the addresses given for each key (keys other than
 * those two are ignored, as Neutron does).
 */
function addressPairFilter(wanted: readonly string[]): (attr: unknown) => boolean {
  const byKey = new Map<string, string[]>();
  for (const w of wanted) {
    const m = /^([^=]+)=(.*)$/.exec(w);
    if (!m) throw invalidInput(`'${w}' is not of the form <key>=[value]`);
    if (m[1] === 'ip_address' || m[1] === 'mac_address') byKey.set(m[1], [...(byKey.get(m[1]) ?? []), m[2]!]);
  }
  return (attr) => {
    const pairs = Array.isArray(attr) ? (attr as Array<Record<string, string>>) : [];
    return [...byKey].every(([k, vs]) => pairs.some((p) => vs.includes(p[k]!)));
  };
}

export interface ListSpec {
  readonly collection: string;
  /** Attributes a filter or sort may name (every attribute of the resource). */
  readonly attributes: readonly string[];
  /** The 404 of a marker that names no visible resource. */
  readonly markerNotFound: (id: string) => NeutronError;
  /** URL of the collection, for the page links. */
  readonly url: string;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a) < String(b) ? -1 : 1;
}

export function listQuery(all: readonly View[], q: Query, spec: ListSpec): Record<string, unknown> {
  const known = new Set(spec.attributes);
  let items = [...all];
  for (const name of Object.keys(q)) {
    if (CONTROL.has(name)) continue;
    if (TAG_FILTERS.has(name) && known.has('tags')) {
      // Each given value is one comma-separated condition; all must hold.
      for (const w of values(q, name)) items = items.filter((v) => tagFilter(name, w, (v['tags'] as string[]) ?? []));
      continue;
    }
    if (!known.has(name)) throw badRequest(`${name} is invalid attribute for filtering`);
    const wanted = values(q, name);
    if (name === 'allowed_address_pairs') {
      const matches = addressPairFilter(wanted);
      items = items.filter((v) => matches(v[name]));
      continue;
    }
    items = items.filter((v) => wanted.some((w) => (name === 'fixed_ips' ? matchesFixedIp(v[name], w) : matches(v[name], w))));
  }

  const keys = values(q, 'sort_key');
  const dirs = values(q, 'sort_dir');
  if (keys.length !== dirs.length && dirs.length > 0) throw badRequest('The number of sort_keys and sort_dirs must be same');
  for (const k of keys) if (!known.has(k)) throw badRequest(`${k} is an invalid attribute for sort_keys`);
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw badRequest(`${d} is an invalid value for sort_dirs, valid values are 'asc' and 'desc'`);
  const limitText = values(q, 'limit')[0];
  const marker = values(q, 'marker')[0];
  const paged = limitText !== undefined || marker !== undefined;
  // Neutron appends the id to the sort keys so pages are stable.
  const order = keys.map((k, i) => ({ k, desc: (dirs[i] ?? 'asc') === 'desc' }));
  if ((order.length > 0 || paged) && !keys.includes('id')) order.push({ k: 'id', desc: false });
  const byOrder = (a: View, b: View): number => {
    for (const { k, desc } of order) {
      const c = compare(a[k], b[k]);
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  };
  if (order.length > 0) items.sort(byOrder);

  let limit: number | undefined;
  if (limitText !== undefined) {
    if (!/^\d+$/.test(limitText)) throw badRequest(`Limit must be an integer 0 or greater and not '${limitText}'`);
    limit = Number(limitText) === 0 ? undefined : Number(limitText);
  }
  // The marker is a resource the caller can see; a page starts beside it in
  // the sort order, even when the filters leave the marker itself out.
  const reverse = (values(q, 'page_reverse')[0] ?? '').toLowerCase() === 'true';
  let before = 0;
  let after = 0;
  if (marker !== undefined) {
    const m = all.find((v) => v['id'] === marker);
    if (!m) throw spec.markerNotFound(marker);
    before = items.filter((v) => byOrder(v, m) < 0).length;
    after = before + items.filter((v) => v['id'] === marker).length;
  }
  let page: View[];
  let more: boolean;
  if (marker !== undefined && reverse) {
    page = limit === undefined ? items.slice(0, before) : items.slice(Math.max(0, before - limit), before);
    more = limit !== undefined && before > limit;
  } else {
    page = limit === undefined ? items.slice(after) : items.slice(after, after + limit);
    more = limit !== undefined && items.length - after > limit;
  }
  const fields = values(q, 'fields').flatMap((f) => f.split(',')).filter((f) => f !== '');
  const shown = fields.length === 0 ? page : page.map((v) => Object.fromEntries(fields.filter((f) => f in v).map((f) => [f, v[f]])));

  const out: Record<string, unknown> = { [spec.collection]: shown };
  if (limit !== undefined) {
    const links: Array<{ href: string; rel: string }> = [];
    const keep = Object.entries(q).flatMap(([k, v]) =>
      k === 'marker' || k === 'page_reverse' || k === 'limit' ? [] : values(q, k).map((x) => [k, x] as [string, string]),
    );
    const href = (extra: Array<[string, string]>): string => `${spec.url}?${new URLSearchParams([['limit', String(limit)], ...keep, ...extra]).toString()}`;
    const first = page[0]?.['id'] as string | undefined;
    const last = page[page.length - 1]?.['id'] as string | undefined;
    // Forward pages have a next page when more follow and a previous one after a marker; reverse pages the other way round.
    const hasNext = reverse && marker !== undefined ? true : more;
    const hasPrevious = reverse && marker !== undefined ? more : marker !== undefined;
    if (hasNext && last !== undefined) links.push({ href: href([['marker', last]]), rel: 'next' });
    if (hasPrevious && first !== undefined) links.push({ href: href([['marker', first], ['page_reverse', 'True']]), rel: 'previous' });
    if (links.length > 0) out[`${spec.collection}_links`] = links;
  }
  return out;
}

/** `fields=` on a single GET. */
export function showFields(view: View, q: Query): View {
  const fields = values(q, 'fields').flatMap((f) => f.split(',')).filter((f) => f !== '');
  return fields.length === 0 ? view : Object.fromEntries(fields.filter((f) => f in view).map((f) => [f, view[f]]));
}
