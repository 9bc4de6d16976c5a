// A qemu driver on a host directory whose one guest's QEMU is a stand-in: a
// live process naming the guest (so the driver takes it for running) and a
// monitor socket answering QMP commands as the test says. For the driver's
// transfer and recovery logic, without QEMU.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QemuDriver } from '../../../../src/virt/qemu/driver.js';
import { GuestFiles } from '../../../../src/virt/qemu/guest-files.js';

export interface StandInOptions {
  readonly instancesDir: string;
  readonly uuid: string;
  readonly permitPostCopy?: boolean;
  /** The `return` of each QMP command the driver sends. */
  readonly answer: (command: string) => unknown;
}

export async function withStandInGuest(o: StandInOptions, fn: (driver: QemuDriver) => Promise<void>): Promise<void> {
  const driver = new QemuDriver({
    instancesDir: o.instancesDir,
    images: { get: async () => undefined },
    virtType: 'qemu',
    binary: 'qemu-system-x86_64',
    inventory: { vcpus: 1, memoryMb: 1024, localGb: 1 },
    shutdownTimeout: 1,
    softRebootTimeout: 1,
    liveMigration: { inboundAddr: '127.0.0.1', portMin: 49152, portMax: 49215, ...(o.permitPostCopy && { permitPostCopy: true }) },
  });
  await driver.init('host1');
  const files = new GuestFiles(join(o.instancesDir, o.uuid));
  mkdirSync(files.dir, { recursive: true });
  const stand = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', o.uuid], { stdio: 'ignore' });
  writeFileSync(files.pidFile, String(stand.pid));
  files.write({
    version: 1, host: 'host1', spec: { uuid: o.uuid, name: 'g', vcpus: 1, memoryMb: 64, rootGb: 1, imageRef: 'img' }, power: 'running',
    commandLine: null, hasKernel: false, hasRamdisk: false, networkInfo: null, networkInjections: 0, startedAt: Date.now(),
  });
  const monitor = createServer((sock) => {
    sock.write('{"QMP": {"version": {}, "capabilities": []}}\n');
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const cmd = JSON.parse(buf.slice(0, nl)) as { execute: string };
        buf = buf.slice(nl + 1);
        sock.write(`${JSON.stringify({ return: o.answer(cmd.execute) })}\n`);
      }
    });
  });
  await new Promise<void>((res) => monitor.listen(files.qmpSocket, () => res()));
  try {
    await fn(driver);
  } finally {
    monitor.close();
    stand.kill('SIGKILL');
  }
}
