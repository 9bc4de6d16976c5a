// Each server's network info cache, as Nova's instance_info_caches holds it:
// the list of its VIFs (port, MAC, network with subnets and addresses) as a
// JSON text, refreshed from the network service whenever the compute side
// changes the server's ports. Server bodies, /ips and the ip filters read it
// instead of asking the network service on every request. The names of the
// ports' security groups are kept beside it for the same reason.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('instance_info_caches')
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('network_info', 'text', (c) => c.notNull())
    .addColumn('security_groups', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}
