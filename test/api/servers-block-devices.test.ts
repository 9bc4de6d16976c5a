// POST /servers with block_device_mapping_v2: the format of each mapping, the
// boot sequence, ephemeral and swap disks held to the flavor, and the number
// of local disks ([DEFAULT] max_local_block_devices, 3), as Nova answers them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

const EPHEMERAL_TOO_BIG =
  'Ephemeral disks requested are larger than the instance type allows. If no size is given in one block device mapping, flavor ephemeral size will be used.';
const SWAP_TOO_BIG = 'Swap drive requested is larger than instance type allows.';
const BAD_SEQUENCE = 'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.';
const TOO_MANY_LOCAL = 'Block Device Mapping is Invalid: You specified more local devices than the limit allows';

describe('POST /servers block_device_mapping_v2', () => {
  let c: Cloud;
  let imageId: string;
  let flavorId: string; // 2 GiB ephemeral, 1 GiB swap
  before(async () => {
    c = await startCloud();
    const t = await c.token('admin');
    const r = await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': t } });
    imageId = ((await r.json()) as { images: Array<{ id: string }> }).images[0]!.id;
    const f = await c.req('admin', 'POST', '/flavors', {
      body: { flavor: { name: 'with-disks', ram: 512, vcpus: 1, disk: 1, 'OS-FLV-EXT-DATA:ephemeral': 2, swap: 1 } },
    });
    assert.equal(f.status, 200, f.text);
    flavorId = f.body.flavor.id;
  });
  after(async () => {
    await c.stop();
  });

  const root = () => ({ source_type: 'image', destination_type: 'local', uuid: imageId, boot_index: 0 });
  const blank = (extra: Record<string, unknown> = {}) => ({ source_type: 'blank', destination_type: 'local', ...extra });
  const boot = (bdms: unknown[], flavorRef = flavorId) =>
    c.req('demo', 'POST', '/servers', {
      version: '2.37',
      body: { server: { name: 'bdm', flavorRef, imageRef: imageId, networks: 'none', block_device_mapping_v2: bdms } },
    });
  const count = async () => (await c.req('demo', 'GET', '/servers')).body.servers.length;

  it('refuses devices the flavor has no room for, or too many, with Nova\'s messages, and creates nothing', async () => {
    const before = await count();
    const cases: Array<[string, unknown[], string, string?]> = [
      // Without sizes each ephemeral disk counts as the flavor's whole ephemeral size: 2 + 2 > 2.
      ['two blank ephemeral disks', [root(), blank(), blank()], EPHEMERAL_TOO_BIG],
      ['ephemeral disks of 2 + 1 GiB', [root(), blank({ volume_size: 2 }), blank({ volume_size: 1 })], EPHEMERAL_TOO_BIG],
      ['an ephemeral disk on a flavor without ephemeral space', [root(), blank({ volume_size: 1 })], EPHEMERAL_TOO_BIG, '1'],
      ['a swap disk larger than the flavor\'s', [root(), blank({ guest_format: 'swap', volume_size: 2 })], SWAP_TOO_BIG],
      ['two swap disks', [root(), blank({ guest_format: 'swap' }), blank({ guest_format: 'swap' })], 'Block Device Mapping is Invalid: More than one swap drive requested.'],
      ['no boot device', [blank({ volume_size: 1 })], BAD_SEQUENCE],
      ['a gap in the boot indexes', [root(), blank({ volume_size: 1, boot_index: 2 })], BAD_SEQUENCE],
      // The root, two ephemeral disks and the flavor's swap make four local disks.
      ['four local disks', [root(), blank({ volume_size: 1 }), blank({ volume_size: 1 })], TOO_MANY_LOCAL],
      ['a blank disk with a uuid', [root(), blank({ uuid: imageId })], 'Block Device Mapping is Invalid: Invalid device UUID.'],
      ['an image without uuid', [{ source_type: 'image', destination_type: 'local', boot_index: 0 }], 'Block Device Mapping is Invalid: Missing device UUID.'],
      ['an image to a local disk that is not the root', [root(), { ...root(), boot_index: 1 }], 'Block Device Mapping is Invalid: Mapping image to local is not supported.'],
      ['an unknown disk bus', [{ ...root(), disk_bus: 'floppy' }], 'Block Device Mapping is Invalid.'],
    ];
    for (const [what, bdms, message, flavorRef] of cases) {
      const r = await boot(bdms, flavorRef);
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.equal(r.body.badRequest.message, message, what);
    }
    assert.equal(await count(), before);
  });

  it('boots with disks that fit: the root, the flavor\'s ephemeral size in one disk and a swap disk', async () => {
    for (const bdms of [
      [root(), blank(), blank({ guest_format: 'swap' })],
      [root(), blank({ volume_size: 2 }), blank({ guest_format: 'swap', volume_size: 1 })],
      [root()],
    ]) {
      const r = await boot(bdms);
      assert.equal(r.status, 202, `${JSON.stringify(bdms)}: ${r.text}`);
      const s = await c.waitServer(r.body.server.id, (x) => x.status === 'ACTIVE' || x.status === 'ERROR');
      assert.equal(s.status, 'ACTIVE');
    }
  });
});
