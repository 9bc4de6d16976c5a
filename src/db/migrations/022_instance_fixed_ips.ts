// The fixed addresses of each server's network info cache, one row each,
// written with the cache: the `ip`/`ip6` list filters find their servers by
// address range in an index instead of parsing every server's cache. Filled
// from the caches there are.
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

interface CachedVif {
  network?: { subnets?: Array<{ ips?: Array<{ address?: unknown; version?: unknown }> }> };
}

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // Byte order on both databases, so an address prefix is one index range.
  const address = dialect === 'postgres' ? 'varchar(64) COLLATE "C"' : 'varchar(64)';
  await sql.raw(`CREATE TABLE instance_fixed_ips (instance_uuid varchar(36) NOT NULL, address ${address} NOT NULL, version integer NOT NULL)`).execute(db);
  await sql.raw('CREATE INDEX instance_fixed_ips_address ON instance_fixed_ips (version, address)').execute(db);
  await sql.raw('CREATE INDEX instance_fixed_ips_instance ON instance_fixed_ips (instance_uuid)').execute(db);
  const caches = await sql<{ instance_uuid: string; network_info: string }>`SELECT instance_uuid, network_info FROM instance_info_caches`.execute(db);
  for (const c of caches.rows) {
    let vifs: CachedVif[];
    try {
      vifs = JSON.parse(c.network_info) as CachedVif[];
    } catch {
      continue;
    }
    for (const vif of Array.isArray(vifs) ? vifs : [])
      for (const subnet of vif.network?.subnets ?? [])
        for (const ip of subnet.ips ?? [])
          if (typeof ip.address === 'string' && (ip.version === 4 || ip.version === 6))
            await sql`INSERT INTO instance_fixed_ips (instance_uuid, address, version) VALUES (${c.instance_uuid}, ${ip.address}, ${ip.version})`.execute(db);
  }
}
