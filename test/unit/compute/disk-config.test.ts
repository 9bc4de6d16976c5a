// A server's disk config: the value asked for wins, else the image's
// auto_disk_config property decides (absent = MANUAL), and an image that
// disables it refuses AUTO.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { autoDiskConfigFor, diskConfigName, requestedAutoDiskConfig } from '../../../src/compute/disk-config.js';

const image = (properties: Record<string, string>) => ({ id: 'img-1', properties });

it('takes the requested value, else the image property, else MANUAL', () => {
  assert.equal(autoDiskConfigFor(image({}), null), false);
  assert.equal(autoDiskConfigFor(image({ auto_disk_config: 'True' }), null), true);
  assert.equal(autoDiskConfigFor(image({ auto_disk_config: 'false' }), null), false);
  assert.equal(autoDiskConfigFor(image({ auto_disk_config: 'True' }), false), false);
  assert.equal(autoDiskConfigFor(image({}), true), true);
  assert.equal(autoDiskConfigFor(image({ auto_disk_config: 'Disabled' }), false), false);
  assert.equal(autoDiskConfigFor(image({ auto_disk_config: 'disabled' }), null), false);
});

it('refuses AUTO on an image that disables it', () => {
  assert.throws(() => autoDiskConfigFor(image({ auto_disk_config: ' Disabled ' }), true), {
    message: 'Requested image img-1 has automatic disk resize disabled.',
  });
});

it('maps the API words and the stored flag', () => {
  assert.equal(requestedAutoDiskConfig('AUTO'), true);
  assert.equal(requestedAutoDiskConfig('MANUAL'), false);
  assert.equal(requestedAutoDiskConfig(undefined), null);
  assert.equal(diskConfigName(1), 'AUTO');
  assert.equal(diskConfigName(0), 'MANUAL');
});
