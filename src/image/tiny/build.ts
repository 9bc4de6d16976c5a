// Builds the tiny guest from Debian packages: the cloud kernel (from the
// linux-image-cloud-amd64 metapackage's dependency), an initramfs holding
// busybox-static, the few modules the guest needs and its init, and a small
// ext4 root disk made with `mke2fs -d` from a directory (nothing is mounted,
// no root needed), converted to qcow2.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cpioNewc, type CpioEntry } from './cpio.js';
import { DebianPackageCache, errorText } from './debian-packages.js';
import { COUNTER_FILE, GUEST_MODULES, initScript, powerButtonScript } from './guest-init.js';

const run = promisify(execFile);

export const KERNEL_METAPACKAGE = 'linux-image-cloud-amd64';
/** The kernel command line the root disk image carries (`os_command_line`). */
export const TINY_COMMAND_LINE = 'console=ttyS0 root=/dev/vda rw panic=-1';
/** Size of the root disk's file system. */
const ROOT_DISK_MB = 32;

export interface TinyGuestFiles {
  readonly kernel: string;
  readonly ramdisk: string;
  /** qcow2 root disk. */
  readonly disk: string;
  readonly kernelVersion: string;
  readonly commandLine: string;
  /** Where the files are; the caller removes it. */
  readonly dir: string;
}

async function tool(cmd: string, args: readonly string[]): Promise<void> {
  try {
    await run(cmd, args, { maxBuffer: 16 << 20 });
  } catch (e) {
    throw new Error(`${cmd} failed: ${errorText(e)}`);
  }
}

export async function buildTinyGuest(cacheDir: string): Promise<TinyGuestFiles> {
  const debs = new DebianPackageCache(cacheDir);
  const kernelPackage = (await debs.depends(KERNEL_METAPACKAGE)).find((d) => d.startsWith('linux-image-'));
  if (!kernelPackage) throw new Error(`${KERNEL_METAPACKAGE} depends on no linux-image package`);
  const kernelTree = await debs.unpacked(kernelPackage);
  const busyboxTree = await debs.unpacked('busybox-static');

  const boot = join(kernelTree, 'boot');
  const vmlinuz = readdirSync(boot).find((f) => f.startsWith('vmlinuz-'));
  if (!vmlinuz) throw new Error(`${kernelPackage} holds no kernel in /boot`);
  const kernelVersion = vmlinuz.slice('vmlinuz-'.length);
  const moduleDir = join(kernelTree, 'lib/modules', kernelVersion, 'kernel');
  const modulePaths = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.ko')) modulePaths.set(e.name.slice(0, -3), join(d, e.name));
    }
  };
  walk(moduleDir);

  const dir = mkdtempSync(join(cacheDir, 'build-'));
  try {
    const entries: CpioEntry[] = [
      ...['bin', 'dev', 'proc', 'sys', 'root', 'etc', 'etc/acpi', 'etc/acpi/PWRF', 'lib', 'lib/modules', 'var', 'var/log', 'var/run'].map((path) => ({ path })),
      { path: 'init', data: Buffer.from(initScript()), mode: 0o755 },
      { path: 'bin/busybox', data: readFileSync(join(busyboxTree, 'bin/busybox')), mode: 0o755 },
      { path: 'etc/acpi/PWRF/00000080', data: Buffer.from(powerButtonScript()), mode: 0o755 },
    ];
    for (const m of GUEST_MODULES) {
      const p = modulePaths.get(m);
      if (!p) throw new Error(`${kernelPackage} has no module ${m}`);
      entries.push({ path: `lib/modules/${m}.ko`, data: readFileSync(p) });
    }
    const ramdisk = join(dir, 'initrd.img');
    writeFileSync(ramdisk, cpioNewc(entries));
    const kernel = join(dir, 'vmlinuz');
    writeFileSync(kernel, readFileSync(join(boot, vmlinuz)));

    const rootTree = join(dir, 'rootfs');
    mkdirSync(rootTree);
    writeFileSync(join(rootTree, COUNTER_FILE), '0\n');
    writeFileSync(join(rootTree, 'README'), 'Root disk of the magnetar tiny guest; its init keeps a counter in /counter.\n');
    const raw = join(dir, 'root.raw');
    await tool('mke2fs', ['-q', '-F', '-t', 'ext4', '-O', '^has_journal', '-L', 'tiny-root', '-d', rootTree, raw, `${ROOT_DISK_MB}M`]);
    const disk = join(dir, 'root.qcow2');
    await tool('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, disk]);
    rmSync(raw);
    return { kernel, ramdisk, disk, kernelVersion, commandLine: TINY_COMMAND_LINE, dir };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Whether the tools the build needs are installed (apt-get, dpkg-deb, mke2fs, qemu-img). */
export function missingBuildTools(): string[] {
  const paths = (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  return ['apt-get', 'dpkg-deb', 'mke2fs', 'qemu-img'].filter((t) => !paths.some((p) => existsSync(join(p, t))));
}
