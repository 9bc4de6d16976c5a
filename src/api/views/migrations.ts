// Migration records as the two migration APIs show them: items of
// GET /os-migrations (fields growing with the microversion, links only for
// live migrations in progress) and the in-progress live migrations of
// /servers/{id}/migrations (with progress counters, no type, no links).
import type { RequestContext } from '../context.js';
import type { MigrationRow } from '../../db/schema.js';
import { apiTime } from '../../db/time.js';
import { IN_PROGRESS_STATUSES } from '../../db/migrations-repo.js';
import { resourceLinks, type Link } from './links.js';

type Item = Record<string, unknown>;

/** Python's urlencode (quote_plus) of one key or value. */
function quotePlus(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * `migrations_links`: one `next` link when the page came back full. It repeats
 * the request's parameters (sorted, last value of each) with `marker` = the
 * last migration's uuid. Unlike paging.ts's nextHref, a `marker` the request
 * did not have goes last (not sorted in) and keys and values are encoded as
 * Python's quote_plus does, as Nova builds its next links.
 */
export function migrationsNextLinks(ctx: RequestContext, rows: readonly MigrationRow[], pageSize: number): Link[] {
  const last = rows[rows.length - 1];
  if (last === undefined || rows.length !== pageSize) return [];
  const params = new Map<string, string>();
  for (const name of Object.keys(ctx.rawQuery).sort()) {
    const values = ctx.rawQuery[name]!;
    if (values.length > 0) params.set(name, values[values.length - 1]!);
  }
  params.set('marker', last.uuid);
  const qs = [...params].map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join('&');
  return [{ rel: 'next', href: `${ctx.selfBase}/os-migrations?${qs}` }];
}

/** Host fields, or all null when the caller may not see hosts (keys stay). */
function hostFields(m: MigrationRow, show: boolean): Item {
  return {
    source_compute: show ? m.source_compute : null,
    source_node: show ? m.source_node : null,
    dest_compute: show ? m.dest_compute : null,
    dest_node: show ? m.dest_node : null,
    dest_host: show ? m.dest_host : null,
  };
}

export function osMigrationView(ctx: RequestContext, m: MigrationRow, opts: { readonly showHosts: boolean }): Item {
  const v = ctx.version;
  const item: Item = {
    id: m.id,
    instance_uuid: m.instance_uuid,
    status: m.status,
    ...hostFields(m, opts.showHosts),
    old_instance_type_id: m.old_instance_type_id,
    new_instance_type_id: m.new_instance_type_id,
    created_at: apiTime(m.created_at),
    updated_at: apiTime(m.updated_at),
  };
  if (v.atLeast('2.23')) {
    item['migration_type'] = m.migration_type;
    if (m.migration_type === 'live-migration' && IN_PROGRESS_STATUSES.includes(m.status))
      item['links'] = resourceLinks(ctx, `servers/${m.instance_uuid}/migrations`, String(m.id));
  }
  if (v.atLeast('2.59')) item['uuid'] = m.uuid;
  if (v.atLeast('2.80')) {
    item['user_id'] = m.user_id;
    item['project_id'] = m.project_id;
  }
  return item;
}

export function serverMigrationView(ctx: RequestContext, m: MigrationRow, opts: { readonly showHosts: boolean }): Item {
  const item: Item = {
    id: m.id,
    server_uuid: m.instance_uuid,
    status: m.status,
    ...hostFields(m, opts.showHosts),
    created_at: apiTime(m.created_at),
    updated_at: apiTime(m.updated_at),
    memory_total_bytes: m.memory_total === null ? null : Number(m.memory_total),
    memory_processed_bytes: m.memory_processed === null ? null : Number(m.memory_processed),
    memory_remaining_bytes: m.memory_remaining === null ? null : Number(m.memory_remaining),
    disk_total_bytes: m.disk_total === null ? null : Number(m.disk_total),
    disk_processed_bytes: m.disk_processed === null ? null : Number(m.disk_processed),
    disk_remaining_bytes: m.disk_remaining === null ? null : Number(m.disk_remaining),
  };
  if (ctx.version.atLeast('2.59')) item['uuid'] = m.uuid;
  if (ctx.version.atLeast('2.80')) {
    item['user_id'] = m.user_id;
    item['project_id'] = m.project_id;
  }
  return item;
}
