// A gzip-compressed cpio archive in the "newc" format, the one the Linux
// kernel unpacks as an initramfs. Written here so building a guest needs no
// cpio tool: a few directories and regular files are all an initramfs needs.
import { gzipSync } from 'node:zlib';

export interface CpioEntry {
  /** Path inside the archive, without a leading slash. */
  readonly path: string;
  /** Absent for a directory. */
  readonly data?: Buffer;
  /** Permission bits; 0755 for directories and executables, 0644 otherwise by default. */
  readonly mode?: number;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const hex = (n: number): string => n.toString(16).padStart(8, '0');
const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);

function record(ino: number, mode: number, name: string, data: Buffer): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map(hex).join('')}`, 'latin1');
  return Buffer.concat([header, nameBytes, pad4(header.length + nameBytes.length), data, pad4(data.length)]);
}

/** The archive of `entries` (parents before children), gzip-compressed. */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const isDir = e.data === undefined;
    const mode = (isDir ? S_IFDIR : S_IFREG) | (e.mode ?? (isDir ? 0o755 : 0o644));
    parts.push(record(ino++, mode, e.path, e.data ?? Buffer.alloc(0)));
  }
  parts.push(record(0, 0, 'TRAILER!!!', Buffer.alloc(0)));
  return gzipSync(Buffer.concat(parts), { level: 6 });
}
