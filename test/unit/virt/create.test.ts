import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../../../src/config/config.js';
import { createVirtDriver, fakeStateFileName } from '../../../src/virt/create.js';
import { FaultRules } from '../../../src/virt/fake/faults.js';

const spec = (uuid: string) => ({ uuid, name: uuid, vcpus: 1, memoryMb: 64, rootGb: 1, imageRef: null });

describe('createVirtDriver', () => {
  it('builds a fake driver from the [fake] options', async () => {
    const conf = new Config();
    conf.set('fake', 'vcpus', '4');
    conf.set('fake', 'memory_mb', '8192');
    conf.set('fake', 'local_gb', '100');
    conf.set('fake', 'spawn_delay', '0.04');
    const d = createVirtDriver('fake', conf, 'compute1', new FaultRules());
    assert.equal(d.type, 'fake');
    await d.init('compute1');
    const inv = d.inventory();
    assert.deepEqual([inv.vcpus, inv.memoryMb, inv.localGb], [4, 8192, 100]);
    const t0 = performance.now();
    await d.spawn(spec('a'));
    assert.ok(performance.now() - t0 >= 39);
  });

  it('adds the configured faults once per shared store', async () => {
    const conf = new Config();
    conf.set('fake', 'spawn_delay', '0');
    conf.set('fake', 'faults', 'spawn@compute2*1, power_off');
    const faults = new FaultRules();
    const c1 = createVirtDriver('fake', conf, 'compute1', faults);
    const c2 = createVirtDriver('fake', conf, 'compute2', faults);
    assert.equal(faults.list().length, 2);
    await c1.init('compute1');
    await c2.init('compute2');
    await c1.spawn(spec('x'));
    await assert.rejects(c2.spawn(spec('y')), /Simulated failure of spawn on compute2/);
    await c2.spawn(spec('y'));
  });

  it('keeps each host\'s guest table in the state directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'magnetar-create-'));
    const conf = new Config();
    conf.set('fake', 'spawn_delay', '0');
    const d = createVirtDriver('fake', conf, 'rack1/node 7', new FaultRules(), dir);
    await d.init('rack1/node 7');
    await d.spawn(spec('z'));
    const again = createVirtDriver('fake', conf, 'rack1/node 7', new FaultRules(), dir);
    // Its first guest starts the journal alone (the table comes with the first fold).
    assert.deepEqual((await readdir(dir)).sort(), [`${fakeStateFileName('rack1/node 7')}.journal`]);
    assert.equal(fakeStateFileName('rack1/node 7'), 'fake-rack1_node_7.json');
    assert.deepEqual((await again.init('rack1/node 7')).map((g) => g.uuid), ['z']);
    // Started with the directory listed once for every host: a host finds its table by it, from the journal alone too.
    const listed = new Set(await readdir(dir));
    const fromListing = createVirtDriver('fake', conf, 'rack1/node 7', new FaultRules(), dir, undefined, undefined, listed);
    assert.deepEqual((await fromListing.init('rack1/node 7')).map((g) => g.uuid), ['z']);
    const journalOnly = createVirtDriver('fake', conf, 'rack1/node 7', new FaultRules(), dir, undefined, undefined, new Set([`${fakeStateFileName('rack1/node 7')}.journal`]));
    assert.deepEqual((await journalOnly.init('rack1/node 7')).map((g) => g.uuid), ['z']);
  });
});

describe('compute_driver and instances_path', () => {
  it('takes fake or qemu (and Nova\'s class names for them), and refuses anything else', async () => {
    const { computeDriverKind } = await import('../../../src/virt/create.js');
    const conf = new Config();
    assert.equal(computeDriverKind(conf), 'fake');
    for (const [v, kind] of [['qemu', 'qemu'], ['libvirt.LibvirtDriver', 'qemu'], ['fake.FakeDriver', 'fake']] as const) {
      conf.set('DEFAULT', 'compute_driver', v);
      assert.equal(computeDriverKind(conf), kind);
    }
    conf.set('DEFAULT', 'compute_driver', 'vmware');
    assert.throws(() => computeDriverKind(conf), /compute_driver = vmware: unknown driver; use one of fake, qemu/);
  });

  it('puts each host under state_path/instances by default, or where instances_path says ($host replaced)', async () => {
    const { instancesDir } = await import('../../../src/virt/create.js');
    const conf = new Config();
    conf.set('DEFAULT', 'state_path', '/srv/m');
    assert.equal(instancesDir(conf, 'node 1'), '/srv/m/instances/node_1');
    conf.set('DEFAULT', 'instances_path', '/var/lib/guests/$host');
    assert.equal(instancesDir(conf, 'n2'), '/var/lib/guests/n2');
  });

  it('builds a qemu driver from [qemu] options and refuses an unknown virt_type', async () => {
    const conf = new Config();
    conf.set('qemu', 'vcpus', '6');
    const images = { get: async () => undefined };
    const d = createVirtDriver('qemu', conf, 'q1', new FaultRules(), undefined, images);
    assert.equal(d.type, 'qemu');
    assert.equal(d.inventory().vcpus, 6);
    conf.set('qemu', 'virt_type', 'xen');
    assert.throws(() => createVirtDriver('qemu', conf, 'q1', new FaultRules(), undefined, images), /virt_type = xen/);
  });
});
