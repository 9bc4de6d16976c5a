// OpenSSH public keys: checking an imported key, its MD5 fingerprint
// (`aa:bb:…`, the form Nova stores and shows), and generating an RSA key
// pair the way Nova does for clients that ask the server to make one.
import { createHash, createPublicKey, generateKeyPair as generateKeyPairCb, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';
import { lenientBase64Decode } from './lenient-base64.js';

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
  /** A non-negative mpint, as a bigint. */
  mpint(): bigint {
    const b = this.field();
    if ((b[0] ?? 0) & 0x80) throw new Error('negative integer in key blob');
    return b.length === 0 ? 0n : BigInt(`0x${b.toString('hex')}`);
  }
  done(): boolean {
    return this.at === this.buf.length;
  }
}

const b64url = (b: Buffer): string => b.toString('base64url');
const bitLength = (v: bigint): number => (v === 0n ? 0 : v.toString(2).length);
const bigintBytes = (v: bigint): Buffer => {
  const hex = v.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
};
/** An mpint without its sign byte, as JWK wants it. */
const unsigned = (b: Buffer): Buffer => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

const CURVES: Readonly<Record<string, { id: string; crv: string; size: number }>> = {
  nistp256: { id: 'nistp256', crv: 'P-256', size: 32 },
  nistp384: { id: 'nistp384', crv: 'P-384', size: 48 },
  nistp521: { id: 'nistp521', crv: 'P-521', size: 66 },
};

function readEd25519(r: BlobReader): JsonWebKey {
  const x = r.field();
  if (x.length !== 32) throw new Error('bad ed25519 key');
  return { kty: 'OKP', crv: 'Ed25519', x: b64url(x) };
}

function readEcdsa(r: BlobReader, curve: string): JsonWebKey {
  const c = CURVES[curve]!;
  if (r.field().toString('latin1') !== c.id) throw new Error('curve mismatch');
  const q = r.field();
  if (q.length !== 1 + 2 * c.size || q[0] !== 4) throw new Error('bad ec point');
  return { kty: 'EC', crv: c.crv, x: b64url(q.subarray(1, 1 + c.size)), y: b64url(q.subarray(1 + c.size)) };
}

/** The numbers of an RSA key must make one: n and e odd, 3 <= e < n. */
function readRsa(r: BlobReader): JsonWebKey {
  const e = r.mpint();
  const n = r.mpint();
  if (n < 3n || e < 3n || e >= n || e % 2n === 0n || n % 2n === 0n) throw new Error('bad rsa numbers');
  return { kty: 'RSA', e: b64url(unsigned(bigintBytes(e))), n: b64url(unsigned(bigintBytes(n))) };
}

/** OpenSSH takes only 1024-bit DSA keys, and the group must be a valid one. */
function readDsa(r: BlobReader): null {
  const p = r.mpint();
  const q = r.mpint();
  const g = r.mpint();
  r.mpint();
  if (bitLength(p) !== 1024 || ![160, 224, 256].includes(bitLength(q)) || g <= 1n || g >= p) throw new Error('bad dsa key');
  return null;
}

/** A security-key (FIDO) public key ends with the application it is for, `ssh:` by default. */
function readApplication(r: BlobReader): void {
  if (!r.field().toString('latin1').startsWith('ssh:')) throw new Error('bad security key application');
}

/** How each key type's fields follow its name in the blob. Certificates are not taken. */
const READERS: Readonly<Record<string, (r: BlobReader) => JsonWebKey | null>> = {
  'ssh-rsa': readRsa,
  'ssh-dss': readDsa,
  'ssh-ed25519': readEd25519,
  'ecdsa-sha2-nistp256': (r) => readEcdsa(r, 'nistp256'),
  'ecdsa-sha2-nistp384': (r) => readEcdsa(r, 'nistp384'),
  'ecdsa-sha2-nistp521': (r) => readEcdsa(r, 'nistp521'),
  'sk-ssh-ed25519@openssh.com': (r) => {
    const jwk = readEd25519(r);
    readApplication(r);
    return jwk;
  },
  'sk-ecdsa-sha2-nistp256@openssh.com': (r) => {
    const jwk = readEcdsa(r, 'nistp256');
    readApplication(r);
    return jwk;
  },
};

/** Throws unless the blob is a well-formed key of `type` whose numbers make a real key. */
function checkBlob(type: string, blob: Buffer): void {
  const read = READERS[type];
  if (!read) throw new Error(`unsupported key type ${type}`);
  const r = new BlobReader(blob);
  if (r.field().toString('latin1') !== type) throw new Error('key type mismatch');
  const jwk = read(r);
  if (!r.done()) throw new Error('trailing data in key blob');
  if (jwk) createPublicKey({ key: jwk, format: 'jwk' });
}

/** `<type> <base64>` at the very start of the line; anything after the key data (a comment, a newline) is ignored. */
const KEY_LINE = /^([^ \t\n\r\f\v]+)[ \t]+([^ \t\n\r\f\v]+)/;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The fingerprint of an OpenSSH public key line (`<type> <base64> [comment]`):
 * MD5 of the key blob as colon-separated hex pairs. Throws when the line is
 * not a valid key. Base64 is read leniently, as Nova reads it, so a line
 * ending in a newline is a key like any other.
 */
export function sshFingerprint(publicKey: string): string {
  // A lone surrogate has no UTF-8 form.
  if (Buffer.from(publicKey, 'utf8').toString('utf8') !== publicKey) throw new Error('not UTF-8 text');
  const m = KEY_LINE.exec(publicKey);
  if (!m) throw new Error('not an OpenSSH public key');
  checkBlob(m[1]!, lenientBase64Decode(Buffer.from(m[2]!, 'utf8')));
  // The digest is taken over the second space-separated field, which must be ASCII.
  const field = publicKey.split(' ')[1];
  if (field === undefined || NON_ASCII.test(field)) throw new Error('key data is not ASCII base64');
  return colonHex(createHash('md5').update(lenientBase64Decode(Buffer.from(field, 'latin1'))).digest());
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
