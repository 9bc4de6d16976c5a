// The rules of keypairs: importing a public key (checked and fingerprinted),
// or generating a key pair whose private half is shown once and never kept;
// names unique per user; deleting by (user, name).
import type { KeyPairRow } from '../db/schema.js';
import { deleteKeyPair as removeKeyPair, getKeyPair as findKeyPair, insertKeyPair, listKeyPairs as pageKeyPairs } from '../db/keypairs.js';
import { dbTime } from '../db/time.js';
import { Conflict, Invalid, NotFound } from './errors.js';
import { checkKeyPairQuota } from './quota-check.js';
import type { ComputeService } from './service.js';
import { generateSshKeyPair, sshFingerprint } from './ssh-keys.js';
import { generateX509KeyPair, x509Fingerprint } from './x509-keys.js';

export type KeyPairType = 'ssh' | 'x509';

export class KeypairNotFound extends NotFound {
  constructor(name: string, userId: string) {
    super(`Keypair ${name} not found for user ${userId}`);
  }
}

export class KeyPairExists extends Conflict {
  constructor(name: string) {
    super(`Key pair '${name}' already exists.`);
  }
}

export class InvalidKeypair extends Invalid {
  constructor(reason: string) {
    super(`Keypair data is invalid: ${reason}`);
  }
}

export class MarkerNotFound extends Invalid {
  constructor(marker: string) {
    super(`Marker ${marker} could not be found.`);
  }
}

export interface CreateKeyPair {
  /** Who asks: their project's and their own key_pairs limits apply, as in Nova. */
  readonly caller: { readonly projectId: string; readonly userId: string };
  /** Whose key pair it is (and whose key pairs are counted). */
  readonly userId: string;
  readonly name: string;
  readonly type: KeyPairType;
  /** Given = import; absent = generate. */
  readonly publicKey?: string;
}

export interface CreatedKeyPair {
  readonly keypair: KeyPairRow;
  /** Only for generated keys. */
  readonly privateKey?: string;
}

function fingerprintOf(publicKey: string, type: KeyPairType): string {
  if (type === 'ssh') {
    try {
      return sshFingerprint(publicKey);
    } catch {
      throw new InvalidKeypair('failed to generate fingerprint');
    }
  }
  try {
    return x509Fingerprint(publicKey);
  } catch (err) {
    throw new InvalidKeypair(`failed to generate X509 fingerprint. Error message: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function createKeyPair(svc: ComputeService, req: CreateKeyPair): Promise<CreatedKeyPair> {
  await checkKeyPairQuota(svc.db.kysely, svc.conf, req.caller, req.userId, 1);
  let publicKey: string;
  let fingerprint: string;
  let privateKey: string | undefined;
  if (req.publicKey !== undefined) {
    publicKey = req.publicKey;
    fingerprint = fingerprintOf(publicKey, req.type);
  } else {
    const made = req.type === 'ssh' ? await generateSshKeyPair() : await generateX509KeyPair(req.userId, svc.clock.now());
    ({ publicKey, fingerprint, privateKey } = made);
  }
  const row = await insertKeyPair(svc.db.kysely, {
    name: req.name,
    userId: req.userId,
    fingerprint,
    publicKey,
    type: req.type,
    createdAt: dbTime(svc.clock.now()),
  });
  if (!row) throw new KeyPairExists(req.name);
  // Two creates may both have passed the check above: count again with this
  // one in, and take it back if that went over (Nova's recheck_quota).
  if (svc.conf.bool('quota', 'recheck_quota')) {
    try {
      await checkKeyPairQuota(svc.db.kysely, svc.conf, req.caller, req.userId, 0);
    } catch (err) {
      await removeKeyPair(svc.db.kysely, req.userId, req.name);
      throw err;
    }
  }
  return privateKey === undefined ? { keypair: row } : { keypair: row, privateKey };
}

export async function getKeyPair(svc: ComputeService, userId: string, name: string): Promise<KeyPairRow> {
  const kp = await findKeyPair(svc.db.kysely, userId, name);
  if (!kp) throw new KeypairNotFound(name, userId);
  return kp;
}

/** One page of a user's keypairs by name; a marker that names none of them is 400. */
export async function listKeyPairs(svc: ComputeService, userId: string, page: { limit?: number; marker?: string } = {}): Promise<KeyPairRow[]> {
  if (page.marker !== undefined && !(await findKeyPair(svc.db.kysely, userId, page.marker))) throw new MarkerNotFound(page.marker);
  return pageKeyPairs(svc.db.kysely, userId, { limit: page.limit, afterName: page.marker });
}

export async function deleteKeyPair(svc: ComputeService, userId: string, name: string): Promise<void> {
  if (!(await removeKeyPair(svc.db.kysely, userId, name))) throw new KeypairNotFound(name, userId);
}
