// X.509 keypairs (type `x509`, used for WinRM certificate logins): the SHA-1
// fingerprint of an imported PEM certificate, and a generated self-signed
// client certificate for `CN=<user_id>` with its private key as a base64
// PKCS#12 bundle (empty password) — the shapes Nova hands out.
import { createHash, createHmac, generateKeyPair as generateKeyPairCb, randomBytes, sign, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { colonHex } from './ssh-keys.js';

const generateKeyPair = promisify(generateKeyPairCb);

// --- minimal DER encoding -------------------------------------------------

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const nul = (): Buffer => Buffer.from([0x05, 0x00]);
/** [n] EXPLICIT */
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 + n, inner);

/**
 * A DER INTEGER of a byte or of big-endian bytes, taken as non-negative: in
 * its shortest form, as DER requires (OpenSSL refuses a certificate whose
 * random serial starts with a needless zero byte).
 */
export function integer(v: number | Buffer): Buffer {
  let b = typeof v === 'number' ? Buffer.from([v]) : v;
  let start = 0;
  while (start < b.length - 1 && b[start] === 0 && !(b[start + 1]! & 0x80)) start++;
  b = b.subarray(start);
  if ((b[0] ?? 0) & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const bytes: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift(0x80 | (v & 0x7f));
    out.push(...bytes);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const OID = {
  commonName: '2.5.4.3',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  extKeyUsage: '2.5.29.37',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  subjectAltName: '2.5.29.17',
  msUpn: '1.3.6.1.4.1.311.20.2.3',
  data: '1.2.840.113549.1.7.1',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  sha1: '1.3.14.3.2.26',
};

// --- certificates ---------------------------------------------------------

/** SHA-1 of the DER certificate, lower-case colon-separated hex. Throws on anything but a PEM certificate. */
export function x509Fingerprint(pem: string): string {
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw new Error('no PEM certificate found');
  const cert = new X509Certificate(pem);
  return colonHex(createHash('sha1').update(cert.raw).digest());
}

export interface GeneratedX509Key {
  /** Base64 of a PKCS#12 bundle (key and certificate, empty password). */
  readonly privateKey: string;
  /** The PEM certificate. */
  readonly publicKey: string;
  readonly fingerprint: string;
}

const VALID_DAYS = 3650;

export async function generateX509KeyPair(userId: string, now: Date, bits = 2048): Promise<GeneratedX509Key> {
  const { publicKey, privateKey } = await generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = seq(set(seq(oid(OID.commonName), utf8(userId))));
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const alg = seq(oid(OID.sha256WithRSA), nul());
  const upn = tlv(0xa0, Buffer.concat([oid(OID.msUpn), explicit(0, utf8(`${userId}@localhost`))]));
  const extensions = seq(
    seq(oid(OID.extKeyUsage), octets(seq(oid(OID.clientAuth)))),
    seq(oid(OID.subjectAltName), octets(seq(upn))),
  );
  const notAfter = new Date(now.getTime() + VALID_DAYS * 86_400_000);
  const tbs = seq(explicit(0, integer(2)), integer(serial), alg, name, seq(time(now), time(notAfter)), name, spki, explicit(3, extensions));
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, alg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const pem = `-----BEGIN CERTIFICATE-----\n${(der.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  return { privateKey: pkcs12(pkcs8, der).toString('base64'), publicKey: pem, fingerprint: x509Fingerprint(pem) };
}

// --- PKCS#12 (RFC 7292) ---------------------------------------------------

/**
 * Key derivation of RFC 7292 appendix B with SHA-1, for the MAC key
 * (id 3). The empty password is the BMPString terminator alone.
 */
function pkcs12Kdf(password: Buffer, salt: Buffer, id: number, iterations: number, size: number): Buffer {
  const u = 20;
  const v = 64;
  const fill = (src: Buffer): Buffer => {
    if (src.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(password)]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < size; produced += u) {
    let A = createHash('sha1').update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash('sha1').update(A).digest();
    out.push(A);
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      // I_j = (I_j + B + 1) mod 2^(8v)
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, size);
}

function pkcs12(pkcs8: Buffer, certDer: Buffer): Buffer {
  const keyId = set(seq(oid(OID.localKeyId), set(octets(createHash('sha1').update(certDer).digest()))));
  const keyBag = seq(oid(OID.keyBag), explicit(0, pkcs8), keyId);
  const certBag = seq(oid(OID.certBag), explicit(0, seq(oid(OID.x509Certificate), explicit(0, octets(certDer)))), keyId);
  const dataInfo = (content: Buffer): Buffer => seq(oid(OID.data), explicit(0, octets(content)));
  const authSafe = seq(dataInfo(seq(certBag)), dataInfo(seq(keyBag)));
  const salt = randomBytes(8);
  const iterations = 2048;
  const macKey = pkcs12Kdf(Buffer.from([0, 0]), salt, 3, iterations, 20);
  const mac = createHmac('sha1', macKey).update(authSafe).digest();
  const macData = seq(seq(seq(oid(OID.sha1), nul()), octets(mac)), octets(salt), integer(Buffer.from([iterations >> 8, iterations & 0xff])));
  return seq(integer(3), dataInfo(authSafe), macData);
}
