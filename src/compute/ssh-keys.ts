// OpenSSH public keys: checking an imported key, its MD5 fingerprint
// (`aa:bb:…`, the form Nova stores and shows), and generating an RSA key
// pair the way Nova does for clients that ask the server to make one.
import { createHash, createPublicKey, generateKeyPair as generateKeyPairCb, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPair = promisify(generateKeyPairCb);

/** A key blob is a sequence of length-prefixed fields (RFC 4251 §5). */
class BlobReader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  field(): Buffer {
    if (this.at + 4 > this.buf.length) throw new Error('truncated key blob');
    const len = this.buf.readUInt32BE(this.at);
    const start = this.at + 4;
    if (start + len > this.buf.length) throw new Error('truncated key blob');
    this.at = start + len;
    return this.buf.subarray(start, start + len);
  }
  done(): boolean {
    return this.at === this.buf.length;
  }
}

const b64url = (b: Buffer): string => b.toString('base64url');
/** An mpint without its sign byte, as JWK wants it. */
const unsigned = (b: Buffer): Buffer => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

const CURVES: Readonly<Record<string, { id: string; crv: string; size: number }>> = {
  'ecdsa-sha2-nistp256': { id: 'nistp256', crv: 'P-256', size: 32 },
  'ecdsa-sha2-nistp384': { id: 'nistp384', crv: 'P-384', size: 48 },
  'ecdsa-sha2-nistp521': { id: 'nistp521', crv: 'P-521', size: 66 },
};

/** Throws unless the blob is a well-formed key of `type` whose numbers make a real key. */
function checkBlob(type: string, blob: Buffer): void {
  const r = new BlobReader(blob);
  if (r.field().toString('latin1') !== type) throw new Error('key type mismatch');
  let jwk: JsonWebKey | null = null;
  if (type === 'ssh-rsa') {
    const e = r.field();
    const n = r.field();
    jwk = { kty: 'RSA', e: b64url(unsigned(e)), n: b64url(unsigned(n)) };
  } else if (type === 'ssh-ed25519') {
    const x = r.field();
    if (x.length !== 32) throw new Error('bad ed25519 key');
    jwk = { kty: 'OKP', crv: 'Ed25519', x: b64url(x) };
  } else if (type === 'ssh-dss') {
    for (let i = 0; i < 4; i++) if (r.field().length === 0) throw new Error('bad dsa key');
  } else if (CURVES[type]) {
    const c = CURVES[type]!;
    if (r.field().toString('latin1') !== c.id) throw new Error('curve mismatch');
    const q = r.field();
    if (q.length !== 1 + 2 * c.size || q[0] !== 4) throw new Error('bad ec point');
    jwk = { kty: 'EC', crv: c.crv, x: b64url(q.subarray(1, 1 + c.size)), y: b64url(q.subarray(1 + c.size)) };
  } else {
    throw new Error(`unsupported key type ${type}`);
  }
  if (!r.done()) throw new Error('trailing data in key blob');
  if (jwk) createPublicKey({ key: jwk, format: 'jwk' });
}

/**
 * The fingerprint of an OpenSSH public key line (`<type> <base64> [comment]`):
 * MD5 of the key blob as colon-separated hex pairs. Throws when the line is
 * not a valid key.
 */
export function sshFingerprint(publicKey: string): string {
  const m = /^(\S+)[ \t]+(\S+)/.exec(publicKey);
  if (!m) throw new Error('not an OpenSSH public key');
  const type = m[1]!;
  const data = m[2]!;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 !== 0) throw new Error('key data is not base64');
  const blob = Buffer.from(data, 'base64');
  checkBlob(type, blob);
  // The digest is taken over the second space-separated field.
  const field = publicKey.split(' ')[1];
  if (field === undefined || field !== data) throw new Error('key fields are not separated by a space');
  return colonHex(createHash('md5').update(blob).digest());
}

export function colonHex(digest: Buffer): string {
  return (digest.toString('hex').match(/../g) ?? []).join(':');
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** A positive mpint: big-endian, with a zero byte when the top bit is set. */
function mpint(unsignedBytes: Buffer): Buffer {
  const v = unsigned(unsignedBytes);
  return sshString((v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

export interface GeneratedSshKey {
  /** PEM, `-----BEGIN RSA PRIVATE KEY-----`. */
  readonly privateKey: string;
  /** `ssh-rsa <base64> Generated-by-Nova` — the comment every Nova-made key carries. */
  readonly publicKey: string;
  readonly fingerprint: string;
}

export async function generateSshKeyPair(bits = 2048): Promise<GeneratedSshKey> {
  const { publicKey, privateKey } = await generateKeyPair('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const jwk = createPublicKey(publicKey).export({ format: 'jwk' });
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    mpint(Buffer.from(jwk.e!, 'base64url')),
    mpint(Buffer.from(jwk.n!, 'base64url')),
  ]);
  const line = `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`;
  return { privateKey, publicKey: line, fingerprint: sshFingerprint(line) };
}
