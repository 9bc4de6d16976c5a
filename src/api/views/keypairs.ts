// Keypair bodies as Nova shows them: list items carry name, key and
// fingerprint; show adds the record fields (never soft-deleted, never
// updated); create adds user_id and, for generated keys, the private key.
// `type` appears from 2.2.
import type { KeyPairRow } from '../../db/schema.js';
import { apiTime } from '../../db/time.js';

export function keypairListItem(kp: KeyPairRow, withType: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { name: kp.name, public_key: kp.public_key, fingerprint: kp.fingerprint };
  if (withType) body['type'] = kp.type;
  return { keypair: body };
}

export function keypairShow(kp: KeyPairRow, withType: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: kp.name,
    public_key: kp.public_key,
    fingerprint: kp.fingerprint,
    user_id: kp.user_id,
    created_at: apiTime(kp.created_at),
    deleted: false,
    deleted_at: null,
    id: kp.id,
    updated_at: null,
  };
  if (withType) body['type'] = kp.type;
  return { keypair: body };
}

export function keypairCreated(kp: KeyPairRow, withType: boolean, privateKey: string | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (privateKey !== undefined) body['private_key'] = privateKey;
  if (withType) body['type'] = kp.type;
  Object.assign(body, { name: kp.name, public_key: kp.public_key, fingerprint: kp.fingerprint, user_id: kp.user_id });
  return { keypair: body };
}
