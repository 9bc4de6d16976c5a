// The virt driver contract (test/support/virt-driver-conformance.ts) against
// every driver: the fake, and the qemu driver with real tiny guests (two hosts
// on this machine, 96 MB guests one at a time under TCG, about 20 s; skipped,
// saying why, where the QEMU tools are missing).
import { FakeDriver } from '../../../src/virt/fake/driver.js';
import { FaultRules } from '../../../src/virt/fake/faults.js';
import { driverConformance } from '../../support/virt-driver-conformance.js';
import { qemuDriverFactory } from '../../e2e/support/qemu-driver-factory.js';
import { skipWithoutQemu } from '../../e2e/support/qemu-tools.js';

const ZERO = { spawn: '0', destroy: '0', power: '0', migrate: '0', liveMigration: '0', precheck: '0' };

driverConformance({
  name: 'fake',
  async hosts() {
    const faults = new FaultRules();
    const make = (): FakeDriver =>
      new FakeDriver({ inventory: { vcpus: 8, memoryMb: 16384, localGb: 200 }, delays: ZERO, liveMigrationHold: false, faults });
    const a = make();
    const b = make();
    await a.init('host-a');
    await b.init('host-b');
    return [a, b];
  },
});

driverConformance(qemuDriverFactory(), { skip: skipWithoutQemu, timeout: 180_000 });
