// The qemu driver as the conformance suite wants it: two hosts on this
// machine, each with its own instances path, booting the tiny guest (built
// once from the cached Debian packages) under TCG. Every image reference a
// case names is the tiny root disk, so rebuilding "to another image" boots
// the same small guest; its kernel and ramdisk are images of their own, as
// `magnetar image build-tiny` stores them.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTinyGuest, type TinyGuestFiles } from '../../../src/image/tiny/build.js';
import type { GuestImage, GuestImageSource } from '../../../src/virt/image-source.js';
import { QemuDriver } from '../../../src/virt/qemu/driver.js';
import type { DriverFactory } from '../../support/virt-driver-conformance.js';
import { PACKAGE_CACHE } from './qemu-tools.js';

const KERNEL = 'tiny-kernel';
const RAMDISK = 'tiny-ramdisk';

function tinySource(files: TinyGuestFiles): GuestImageSource {
  const image = (id: string, diskFormat: string, path: string, properties: Record<string, string> = {}): GuestImage => ({
    id,
    name: id,
    status: 'active',
    diskFormat,
    containerFormat: diskFormat === 'qcow2' ? 'bare' : diskFormat,
    properties,
    path,
  });
  return {
    async get(id) {
      if (id === KERNEL) return image(id, 'aki', files.kernel);
      if (id === RAMDISK) return image(id, 'ari', files.ramdisk);
      return image(id, 'qcow2', files.disk, { kernel_id: KERNEL, ramdisk_id: RAMDISK, os_command_line: files.commandLine });
    },
  };
}

export function qemuDriverFactory(): DriverFactory {
  let root: string | undefined;
  let built: Promise<TinyGuestFiles> | undefined;
  let live: QemuDriver[] = [];
  const hostDir = (host: string): string => join(root!, host);
  return {
    name: 'qemu',
    async hosts() {
      root ??= mkdtempSync(join(tmpdir(), 'magnetar-qemu-conformance-'));
      built ??= buildTinyGuest(PACKAGE_CACHE);
      const images = tinySource(await built);
      const make = (host: string, ports: number): QemuDriver =>
        new QemuDriver({
          instancesDir: hostDir(host),
          images,
          virtType: 'qemu',
          binary: 'qemu-system-x86_64',
          inventory: { vcpus: 4, memoryMb: 4096, localGb: 20 },
          shutdownTimeout: 1,
          softRebootTimeout: 2,
          hostIp: '127.0.0.1',
          liveMigration: { inboundAddr: '127.0.0.1', portMin: ports, portMax: ports + 15 },
        });
      const a = make('host-a', 49420);
      const b = make('host-b', 49440);
      await a.init('host-a');
      await b.init('host-b');
      live = [a, b];
      return [a, b];
    },
    async cleanup() {
      // Every guest a case left (on either host, whatever its state) is destroyed; the `_base` caches stay.
      for (const d of live) for (const g of d.listGuests()) await d.destroy(g.uuid).catch(() => undefined);
      for (const d of live) d.halt();
      live = [];
      for (const host of ['host-a', 'host-b']) {
        let names: string[] = [];
        try {
          names = readdirSync(hostDir(host));
        } catch {
          continue;
        }
        for (const name of names) if (name !== '_base') rmSync(join(hostDir(host), name), { recursive: true, force: true });
      }
    },
    async dispose() {
      if (root) rmSync(root, { recursive: true, force: true });
      const files = built ? await built.catch(() => undefined) : undefined;
      if (files) rmSync(files.dir, { recursive: true, force: true });
    },
  };
}
