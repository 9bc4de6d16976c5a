// GET /v2/images query handling as Glance does it: filters, sort (`sort=` or
// the older `sort_key`/`sort_dir`), and marker/limit paging with `next` links.
import type { Image } from './catalog.js';
import { ImageQueryError } from './list-query-error.js';
import { timeFilter } from './time-filter.js';

export { ImageQueryError };

export type ImageQuery = Readonly<Record<string, string | string[] | undefined>>;

export interface ImagePage {
  readonly images: readonly Image[];
  /** Query string of the next page, when there are more images. */
  readonly nextQuery?: string;
  /** Query string of the first page. */
  readonly firstQuery: string;
}

const SORT_KEYS = new Set([
  'name', 'status', 'container_format', 'disk_format', 'size', 'virtual_size', 'id',
  'created_at', 'updated_at', 'min_disk', 'min_ram', 'owner', 'visibility',
]);
const PAGING = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir']);
// Accepted but not restricting: every seeded image is active public data.
const IGNORED = new Set(['member_status']);
const MAX_LIMIT = 1000;

type SortSpec = { key: keyof Image; dir: 'asc' | 'desc' };

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[v.length - 1] : v);
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function parseSort(q: ImageQuery): SortSpec[] {
  const specs: SortSpec[] = [];
  const sort = one(q.sort);
  if (sort !== undefined) {
    for (const part of sort.split(',')) {
      const [key = '', dir = 'asc'] = part.trim().split(':');
      if (!SORT_KEYS.has(key)) throw new ImageQueryError(`Invalid sort key: ${key}. It should be one of the following: ${[...SORT_KEYS].join(', ')}.`);
      if (dir !== 'asc' && dir !== 'desc') throw new ImageQueryError(`Invalid sort direction: ${dir}`);
      specs.push({ key: key as keyof Image, dir });
    }
  } else {
    const keys = many(q.sort_key);
    const dirs = many(q.sort_dir);
    keys.forEach((key, i) => {
      if (!SORT_KEYS.has(key)) throw new ImageQueryError(`Invalid sort key: ${key}.`);
      const dir = dirs[i] ?? dirs[0] ?? 'desc';
      if (dir !== 'asc' && dir !== 'desc') throw new ImageQueryError(`Invalid sort direction: ${dir}`);
      specs.push({ key: key as keyof Image, dir });
    });
  }
  if (specs.length === 0) specs.push({ key: 'created_at', dir: 'desc' });
  // Paging needs a total order: id breaks ties.
  if (!specs.some((s) => s.key === 'id')) specs.push({ key: 'id', dir: 'desc' });
  return specs;
}

function compare(a: Image, b: Image, specs: readonly SortSpec[]): number {
  for (const { key, dir } of specs) {
    const x = a[key];
    const y = b[key];
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    if (c !== 0) return dir === 'asc' ? c : -c;
  }
  return 0;
}

/** A field or extra property as text, for equality filters. */
function fieldText(i: Image, key: string): string | undefined {
  const v = (i as unknown as Record<string, unknown>)[key];
  if (v === undefined) return i.properties[key];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** Glance's `in:a,b` operator, else an exact value. */
function matches(actual: string | undefined, wanted: string): boolean {
  if (wanted.startsWith('in:')) {
    return wanted.slice(3).split(',').map((w) => w.replace(/^"|"$/g, '')).includes(actual ?? '');
  }
  return actual === wanted;
}

function parseNonNegative(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new ImageQueryError(`${name} param must be an integer`);
  return Number(v);
}

export function queryImages(all: readonly Image[], q: ImageQuery): ImagePage {
  let images = [...all];
  for (const [key, raw] of Object.entries(q)) {
    const value = one(raw);
    if (value === undefined || PAGING.has(key) || IGNORED.has(key)) continue;
    if (key === 'visibility') {
      if (value !== 'all') images = images.filter((i) => i.visibility === value);
    } else if (key === 'os_hidden') {
      images = images.filter((i) => String(i.os_hidden) === value.toLowerCase());
    } else if (key === 'tag') {
      const tags = many(raw);
      images = images.filter((i) => tags.every((t) => i.tags.includes(t)));
    } else if (key === 'size_min') {
      const min = parseNonNegative(key, value);
      images = images.filter((i) => (i.size ?? 0) >= min);
    } else if (key === 'size_max') {
      const max = parseNonNegative(key, value);
      images = images.filter((i) => (i.size ?? 0) <= max);
    } else if (key === 'created_at' || key === 'updated_at') {
      const holds = timeFilter(key, value);
      images = images.filter((i) => holds(i[key]));
    } else {
      images = images.filter((i) => matches(fieldText(i, key), value));
    }
  }
  // Hidden images are listed only when asked for explicitly.
  if (one(q.os_hidden) === undefined) images = images.filter((i) => !i.os_hidden);

  const specs = parseSort(q);
  images.sort((a, b) => compare(a, b, specs));

  const marker = one(q.marker);
  if (marker !== undefined) {
    const at = images.findIndex((i) => i.id === marker);
    if (at < 0) throw new ImageQueryError(`Invalid marker. Image ${marker} could not be found.`);
    images = images.slice(at + 1);
  }
  const limitRaw = one(q.limit);
  const limit = limitRaw === undefined ? MAX_LIMIT : Math.min(parseNonNegative('limit', limitRaw), MAX_LIMIT);
  const page = images.slice(0, limit);

  const params = new URLSearchParams();
  for (const [key, raw] of Object.entries(q)) {
    if (key !== 'marker') for (const v of many(raw)) params.append(key, v);
  }
  const firstQuery = params.toString();
  let nextQuery: string | undefined;
  const last = page[page.length - 1];
  if (images.length > page.length && last) {
    params.set('marker', last.id);
    nextQuery = params.toString();
  }
  return { images: page, firstQuery, ...(nextQuery !== undefined ? { nextQuery } : {}) };
}
