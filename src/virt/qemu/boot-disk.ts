// A guest's boot files from its image: the image's data cached once per host
// under `_base`, the guest's qcow2 overlay on it (grown to the flavor's root
// disk), and for direct kernel boot the kernel and ramdisk beside it.
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { VirtDriverError, type GuestSpec } from '../driver.js';
import type { GuestImage } from '../image-source.js';
import type { GuestFiles, GuestRecord } from './guest-files.js';
import { GIB, type QemuHost } from './host.js';
import { createOverlay, imageInfo } from './qemu-img.js';

/** Nova's default command line for direct kernel boot without os_command_line. */
const DEFAULT_COMMAND_LINE = 'root=/dev/vda console=tty0 console=ttyS0';
/** Formats a root disk can be booted from. */
const DISK_FORMATS: Readonly<Record<string, string>> = { qcow2: 'qcow2', raw: 'raw', ami: 'raw' };

/** Fetches the image, caches its data under `_base`, and makes the guest's overlay, kernel and ramdisk (at `to`, the guest's own by default). */
export async function prepareDisk(
  h: QemuHost,
  step: string,
  spec: GuestSpec,
  files: GuestFiles,
  imageRef: string | null = spec.imageRef,
  to: { disk: string; kernel: string; ramdisk: string } = files,
): Promise<GuestRecord> {
  if (!imageRef) throw new VirtDriverError(step, `guest ${spec.uuid}: the qemu driver boots guests from images only (no volume-backed servers yet)`);
  const image = await fetchImage(h, step, imageRef);
  const format = DISK_FORMATS[image.diskFormat ?? ''];
  if (!format) throw new VirtDriverError(step, `image ${image.id} has disk_format ${String(image.diskFormat)}: a root disk must be qcow2, raw or ami`);
  const base = cached(h, image);
  const info = await imageInfo(base);
  const wanted = spec.rootGb * GIB;
  await createOverlay(to.disk, base, info.format === 'qcow2' ? 'qcow2' : format, wanted > info.virtualSize ? wanted : undefined);
  const kernelId = image.properties['kernel_id'];
  const ramdiskId = image.properties['ramdisk_id'];
  if (kernelId) copyFileSync(cached(h, await fetchImage(h, step, kernelId)), to.kernel);
  if (kernelId && ramdiskId) copyFileSync(cached(h, await fetchImage(h, step, ramdiskId)), to.ramdisk);
  return {
    version: 1,
    host: h.host,
    spec,
    power: 'shutdown',
    commandLine: kernelId ? (image.properties['os_command_line'] ?? DEFAULT_COMMAND_LINE) : null,
    hasKernel: Boolean(kernelId),
    hasRamdisk: Boolean(kernelId && ramdiskId),
    networkInfo: null,
    networkInjections: 0,
    startedAt: null,
  };
}

async function fetchImage(h: QemuHost, step: string, id: string): Promise<GuestImage & { path: string }> {
  const image = await h.opts.images.get(id).catch((e: unknown) => {
    throw e instanceof VirtDriverError ? e : new VirtDriverError(step, `image ${id}: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (!image) throw new VirtDriverError(step, `image ${id} could not be found`);
  if (image.status !== 'active') throw new VirtDriverError(step, `image ${id} is ${image.status}, not active`);
  if (image.path === null) throw new VirtDriverError(step, `image ${id} (${image.name}) has no data to boot from`);
  return { ...image, path: image.path };
}

/** The image's data in this host's `_base` cache (copied once). */
function cached(h: QemuHost, image: GuestImage & { path: string }): string {
  const dir = join(h.opts.instancesDir, '_base');
  mkdirSync(dir, { recursive: true });
  const dest = join(dir, image.id);
  if (!existsSync(dest)) {
    const tmp = `${dest}.${process.pid}.tmp`;
    copyFileSync(image.path, tmp);
    renameSync(tmp, dest);
  }
  return dest;
}
