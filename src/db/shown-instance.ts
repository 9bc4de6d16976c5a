// A single server's body needs its row, its network info cache and its group:
// read together in one query, since a server is shown far more often than
// it changes and each query costs more in its round through Kysely than in
// SQLite.
import type { Kysely } from 'kysely';
import type { Database, InstanceRow } from './schema.js';
import { compiledOnce } from './compiled-once.js';
import { parseInfoCache, type InfoCache } from './info-caches.js';

export interface ShownInstance {
  readonly row: InstanceRow;
  /** undefined: the server has no cache (no ports were ever recorded). */
  readonly infoCache: InfoCache | undefined;
  /** The uuid of the server's group, when it is in one. */
  readonly serverGroup: string | undefined;
}

const liveShown = compiledOnce((db, uuid: string) =>
  db
    .selectFrom('instances as i')
    .leftJoin('instance_info_caches as c', 'c.instance_uuid', 'i.uuid')
    .selectAll('i')
    .select(['c.network_info as shown_network_info', 'c.security_groups as shown_security_groups'])
    .select((eb) =>
      eb
        .selectFrom('instance_group_members as m')
        .innerJoin('instance_groups as g', 'g.id', 'm.group_id')
        .select('g.uuid')
        .whereRef('m.instance_uuid', '=', 'i.uuid')
        .limit(1)
        .as('shown_group_uuid'),
    )
    .where('i.uuid', '=', uuid)
    .where('i.deleted', '=', 0),
);

/** A live (not deleted) server with its cache and group, or undefined. */
export async function shownInstance(db: Kysely<Database>, uuid: string): Promise<ShownInstance | undefined> {
  const r = (await liveShown(db, uuid))[0];
  if (r === undefined) return undefined;
  const { shown_network_info: networkInfo, shown_security_groups: securityGroups, shown_group_uuid: group, ...row } = r;
  return {
    row,
    infoCache: networkInfo === null || securityGroups === null ? undefined : parseInfoCache({ network_info: networkInfo, security_groups: securityGroups }),
    serverGroup: group ?? undefined,
  };
}
