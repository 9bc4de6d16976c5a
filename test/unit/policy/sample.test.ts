import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { POLICY_DEFAULTS } from '../../../src/policy/defaults.js';
import { policySampleYaml } from '../../../src/policy/sample.js';

test('the sample is all comments: as is, it overrides nothing', () => {
  assert.equal(parse(policySampleYaml()), null);
});

test('uncommenting the sample gives back every default', () => {
  const uncommented = policySampleYaml().replace(/^#"/gm, '"');
  const expected = Object.fromEntries(POLICY_DEFAULTS.map((d) => [d.name, d.check]));
  assert.deepEqual(parse(uncommented), expected);
});

test('each rule is preceded by its description', () => {
  const sample = policySampleYaml();
  const d = POLICY_DEFAULTS.find((r) => r.name === 'os_compute_api:os-evacuate');
  assert.ok(d);
  assert.ok(sample.includes(`# ${d.description}\n#"${d.name}": "${d.check}"`));
});
