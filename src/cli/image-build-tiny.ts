// `magnetar image build-tiny [--name tiny-linux]`: builds the tiny real
// guest from Debian packages (cached under state_path, so a second build is
// offline) and stores it in the image service as three public images, as
// Glance holds a kernel-booted guest: the kernel (aki), the initramfs (ari)
// and the root disk (qcow2) whose kernel_id, ramdisk_id and os_command_line
// Nova's libvirt driver uses for direct kernel boot. A rebuild under the
// same name replaces the earlier images.
import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Config } from '../config/config.js';
import { imageCatalog } from '../image/on-disk.js';
import { ImageRegistry } from '../image/registry.js';
import type { Image } from '../image/catalog.js';
import type { AuthContext } from '../identity/validator.js';
import { projectIdFor } from '../identity/users.js';
import { buildTinyGuest, missingBuildTools } from '../image/tiny/build.js';

export interface BuiltTinyImages {
  readonly disk: Image;
  readonly kernel: Image;
  readonly ramdisk: Image;
  readonly seconds: number;
}

/** The image service acting for itself: an admin of the admin project. */
function serviceContext(): AuthContext {
  return {
    userId: 'magnetar',
    userName: 'magnetar',
    projectId: projectIdFor('admin'),
    projectName: 'admin',
    domainId: 'default',
    roles: ['admin', 'member', 'reader'],
    expiresAt: new Date(Date.now() + 3_600_000),
    tokenId: '',
  };
}

export async function buildTinyImages(conf: Config, name: string, packageCache?: string): Promise<BuiltTinyImages> {
  const started = Date.now();
  const missing = missingBuildTools();
  if (missing.length > 0) throw new Error(`missing tools: ${missing.join(', ')} (apt-get install -y qemu-utils e2fsprogs)`);
  const state = conf.path('DEFAULT', 'state_path');
  const files = await buildTinyGuest(packageCache ?? join(state, 'cache', 'debian'));
  try {
    const registry = new ImageRegistry(imageCatalog(conf));
    const ctx = serviceContext();
    const names = [name, `${name}-kernel`, `${name}-ramdisk`];
    for (const old of registry.store.list().filter((i) => i.name !== null && names.includes(i.name) && i.owner === ctx.projectId)) {
      registry.remove(ctx, old.id);
    }
    const upload = async (body: Record<string, unknown>, path: string): Promise<Image> => {
      const image = registry.create(ctx, { visibility: 'public', ...body });
      return registry.upload(ctx, image.id, createReadStream(path));
    };
    const kernel = await upload({ name: `${name}-kernel`, disk_format: 'aki', container_format: 'aki', kernel_version: files.kernelVersion }, files.kernel);
    const ramdisk = await upload({ name: `${name}-ramdisk`, disk_format: 'ari', container_format: 'ari' }, files.ramdisk);
    const disk = await upload(
      {
        name,
        disk_format: 'qcow2',
        container_format: 'bare',
        kernel_id: kernel.id,
        ramdisk_id: ramdisk.id,
        os_command_line: files.commandLine,
        os_distro: 'magnetar-tiny',
        hw_architecture: 'x86_64',
        min_ram: 96,
      },
      files.disk,
    );
    return { disk, kernel, ramdisk, seconds: (Date.now() - started) / 1000 };
  } finally {
    rmSync(files.dir, { recursive: true, force: true });
  }
}

export async function imageBuildTinyCommand(conf: Config, name: string, packageCache?: string, out: Writable = process.stdout): Promise<void> {
  const built = await buildTinyImages(conf, name, packageCache);
  out.write(
    `built ${name} in ${built.seconds.toFixed(1)} s\n` +
      `  ${built.disk.id}  ${name} (qcow2, ${built.disk.size ?? 0} bytes)\n` +
      `  ${built.kernel.id}  ${built.kernel.name} (aki)\n` +
      `  ${built.ramdisk.id}  ${built.ramdisk.name} (ari)\n`,
  );
}
