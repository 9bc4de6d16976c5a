// Base64 decoding as forgiving as Python's `binascii.a2b_base64` (what Nova
// and the library it checks keys with use): characters outside the alphabet,
// such as a trailing newline, are skipped; decoding stops at the padding that
// completes a group; a group left incomplete without padding is an error.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Map<number, number>([...ALPHABET].map((ch, i) => [ch.charCodeAt(0), i]));
const PAD = '='.charCodeAt(0);

/** Throws when the data ends inside a group of four characters. */
export function lenientBase64Decode(data: Uint8Array): Buffer {
  const out: number[] = [];
  let inGroup = 0;
  let carry = 0;
  let pads = 0;
  for (const byte of data) {
    if (byte === PAD) {
      pads += 1;
      if (inGroup >= 2 && inGroup + pads >= 4) return Buffer.from(out);
      continue;
    }
    const v = VALUE.get(byte);
    if (v === undefined) continue;
    pads = 0;
    switch (inGroup) {
      case 0:
        carry = v;
        inGroup = 1;
        break;
      case 1:
        out.push(((carry << 2) | (v >> 4)) & 0xff);
        carry = v & 0x0f;
        inGroup = 2;
        break;
      case 2:
        out.push(((carry << 4) | (v >> 2)) & 0xff);
        carry = v & 0x03;
        inGroup = 3;
        break;
      default:
        out.push(((carry << 6) | v) & 0xff);
        inGroup = 0;
    }
  }
  if (inGroup !== 0) throw new Error('incorrect base64 padding');
  return Buffer.from(out);
}
