// Console auth tokens: kept by hash, valid until they expire, dropped with
// their server.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface ConsoleConnectInfo {
  readonly consoleType: string;
  readonly host: string;
  readonly port: number;
  readonly tlsPort: number | null;
  readonly internalAccessPath: string | null;
  readonly instanceUuid: string;
}

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

export async function saveConsoleToken(db: Kysely<Database>, token: string, info: ConsoleConnectInfo, now: Date, ttlSeconds: number): Promise<void> {
  const at = Math.floor(now.getTime() / 1000);
  // Expired tokens of the same server go as new ones come, so the table does not grow without end.
  await db.deleteFrom('console_auth_tokens').where('instance_uuid', '=', info.instanceUuid).where('expires', '<=', at).execute();
  await db
    .insertInto('console_auth_tokens')
    .values({
      token_hash: hashOf(token),
      console_type: info.consoleType,
      host: info.host,
      port: info.port,
      tls_port: info.tlsPort,
      internal_access_path: info.internalAccessPath,
      instance_uuid: info.instanceUuid,
      expires: at + ttlSeconds,
      created_at: now.toISOString(),
    })
    .execute();
}

/** The connection a token opens, or undefined when it is unknown or expired. */
export async function validateConsoleToken(db: Kysely<Database>, token: string, now: Date): Promise<ConsoleConnectInfo | undefined> {
  const row = await db.selectFrom('console_auth_tokens').selectAll().where('token_hash', '=', hashOf(token)).executeTakeFirst();
  // PostgreSQL hands bigint columns back as text.
  if (!row || Number(row.expires) <= Math.floor(now.getTime() / 1000)) return undefined;
  return {
    consoleType: row.console_type,
    host: row.host,
    port: row.port,
    tlsPort: row.tls_port,
    internalAccessPath: row.internal_access_path,
    instanceUuid: row.instance_uuid,
  };
}

export async function deleteConsoleTokens(db: Kysely<Database>, instanceUuid: string): Promise<void> {
  await db.deleteFrom('console_auth_tokens').where('instance_uuid', '=', instanceUuid).execute();
}
