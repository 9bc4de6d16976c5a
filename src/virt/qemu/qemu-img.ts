// The disk side, with `qemu-img`: overlays on a cached base image, growth to
// the flavor's disk, standalone copies for snapshots.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class QemuImgError extends Error {}

async function qemuImg(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run('qemu-img', args, { maxBuffer: 16 << 20 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message?: string };
    throw new QemuImgError(`qemu-img ${args[0] ?? ''}: ${(err.stderr ?? '').trim() || err.message || String(e)}`);
  }
}

export interface ImageInfo {
  readonly format: string;
  readonly virtualSize: number;
}

export async function imageInfo(path: string): Promise<ImageInfo> {
  const info = JSON.parse(await qemuImg(['info', '-U', '--output=json', path])) as { format: string; 'virtual-size': number };
  return { format: info.format, virtualSize: info['virtual-size'] };
}

/** A qcow2 overlay on `base`, of `sizeBytes` when given (larger than the base: the disk grows). */
export async function createOverlay(path: string, base: string, baseFormat: string, sizeBytes?: number): Promise<void> {
  await qemuImg(['create', '-q', '-f', 'qcow2', '-F', baseFormat, '-b', base, path, ...(sizeBytes !== undefined ? [String(sizeBytes)] : [])]);
}

/** A standalone qcow2 copy of `path` (its backing chain flattened); readable while the guest runs. */
export async function flattenTo(path: string, dest: string): Promise<void> {
  await qemuImg(['convert', '-U', '-O', 'qcow2', path, dest]);
}

/** A standalone qcow2 copy of the disk served at `uri` (e.g. nbd://host:port/name), unallocated parts skipped. */
export async function convertFrom(uri: string, dest: string): Promise<void> {
  await qemuImg(['convert', '-O', 'qcow2', '-f', 'raw', uri, dest]);
}

/** Grows the disk to `sizeBytes` (a resize to a larger flavor). */
export async function resizeDisk(path: string, sizeBytes: number): Promise<void> {
  await qemuImg(['resize', '-q', '-f', 'qcow2', path, String(sizeBytes)]);
}
