// QEMU processes: the command line of a guest, launching it detached from the
// agent (`-daemonize`: its own session, so it outlives the agent), and
// finding, signalling and awaiting it by its pid file.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { GuestFiles } from './guest-files.js';

const run = promisify(execFile);

export type VirtType = 'qemu' | 'kvm';

export interface LaunchSpec {
  readonly binary: string;
  readonly virtType: VirtType;
  readonly uuid: string;
  readonly name: string;
  readonly vcpus: number;
  readonly memoryMb: number;
  readonly files: GuestFiles;
  readonly kernel: boolean;
  readonly ramdisk: boolean;
  readonly commandLine: string | null;
  /** Start from this saved state file instead of booting (a resume); the guest starts paused. */
  readonly incomingFrom?: string;
  /** Wait for a live migration on this QEMU migration URI (e.g. tcp:127.0.0.1:49152); the guest starts paused. */
  readonly incomingUri?: string;
  /** With incomingUri: the guest runs as soon as it arrives (as it ran on the source), as post-copy needs, instead of waiting paused. */
  readonly runOnArrival?: boolean;
  /** Boot from a rescue disk (with its own kernel, ramdisk and command line); the guest's disk is attached second. */
  readonly rescue?: { readonly disk: string; readonly kernel: string | null; readonly ramdisk: string | null; readonly commandLine: string | null };
}

/** QMP's name of the guest's root disk (`-drive if=virtio`, the first one). */
export const ROOT_DRIVE = 'virtio0';

export function qemuArgs(s: LaunchSpec): string[] {
  const f = s.files;
  const args = [
    '-name', `guest=${s.name.replace(/,/g, ',,')},debug-threads=off`,
    '-uuid', s.uuid,
    '-machine', 'pc',
    '-accel', s.virtType === 'kvm' ? 'kvm' : 'tcg',
    ...(s.virtType === 'kvm' ? ['-cpu', 'host'] : []),
    '-m', String(s.memoryMb),
    '-smp', String(s.vcpus),
    '-nodefaults', '-no-user-config', '-display', 'none',
    '-chardev', `file,id=console0,path=${f.console},append=on`,
    '-device', 'isa-serial,chardev=console0',
    ...(s.rescue ? ['-drive', `file=${s.rescue.disk},format=qcow2,if=virtio,cache=writeback`] : []),
    '-drive', `file=${f.disk},format=qcow2,if=virtio,cache=writeback`,
    '-qmp', `unix:${f.qmpSocket},server=on,wait=off`,
    '-pidfile', f.pidFile,
    '-D', f.qemuLog,
    '-daemonize',
  ];
  if (s.rescue) {
    if (s.rescue.kernel) args.push('-kernel', s.rescue.kernel);
    if (s.rescue.kernel && s.rescue.ramdisk) args.push('-initrd', s.rescue.ramdisk);
    if (s.rescue.kernel && s.rescue.commandLine) args.push('-append', s.rescue.commandLine);
  } else {
    if (s.kernel) args.push('-kernel', f.kernel);
    if (s.kernel && s.ramdisk) args.push('-initrd', f.ramdisk);
    if (s.kernel && s.commandLine) args.push('-append', s.commandLine);
  }
  if (s.incomingFrom) args.push('-S', '-incoming', `exec:cat ${shellQuote(s.incomingFrom)}`);
  else if (s.incomingUri) args.push(...(s.runOnArrival ? [] : ['-S']), '-incoming', s.incomingUri);
  return args;
}

const shellQuote = (p: string): string => `'${p.replace(/'/g, `'\\''`)}'`;

export class QemuLaunchError extends Error {}

/** Starts QEMU; resolves once it has daemonized (its pid file is written), rejects with QEMU's own error text. */
export async function launch(s: LaunchSpec): Promise<number> {
  try {
    await run(s.binary, qemuArgs(s), { timeout: 60_000 });
  } catch (e) {
    const err = e as { stderr?: string; message?: string };
    throw new QemuLaunchError(`QEMU could not start guest ${s.uuid}: ${(err.stderr ?? '').trim() || err.message || String(e)}`);
  }
  const pid = readPid(s.files);
  if (pid === null) throw new QemuLaunchError(`QEMU started guest ${s.uuid} but wrote no pid file`);
  return pid;
}

/** The pid of the guest's QEMU if it is alive (and is that guest's QEMU, not a reused pid). */
export function livePid(files: GuestFiles, uuid: string): number | null {
  const pid = readPid(files);
  if (pid === null) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(uuid)) return null;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie has exited already.
    if (/\) Z /.test(stat)) return null;
    return pid;
  } catch {
    return null;
  }
}

function readPid(files: GuestFiles): number | null {
  try {
    const pid = parseInt(readFileSync(files.pidFile, 'utf8').trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Resolves true once the guest's QEMU has exited, false after `timeoutMs`. */
export async function waitExit(files: GuestFiles, uuid: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (livePid(files, uuid) === null) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function killHard(files: GuestFiles, uuid: string): void {
  const pid = livePid(files, uuid);
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

/** QEMU's version as libvirt reports it to Nova: major * 1,000,000 + minor * 1,000 + micro. */
export async function qemuVersion(binary: string): Promise<number> {
  try {
    const { stdout } = await run(binary, ['--version']);
    const m = /version (\d+)\.(\d+)\.(\d+)/.exec(stdout);
    return m ? Number(m[1]) * 1_000_000 + Number(m[2]) * 1000 + Number(m[3]) : 0;
  } catch {
    return 0;
  }
}
