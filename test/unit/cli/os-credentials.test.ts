// Credentials of the operator commands, found as the `openstack` client finds
// them: clouds.yaml where openstacksdk looks, OS_* over it, --os-* over those.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { cloudsYamlCandidates, resolveCredentials } from '../../../src/cli/os-credentials.js';
import { computeEndpoint, tokensUrl } from '../../../src/cli/os-client.js';

const root = mkdtempSync(join(tmpdir(), 'magnetar-oscreds-'));
after(() => rmSync(root, { recursive: true, force: true }));

const cloud = (user: string) => ({
  auth: { auth_url: 'http://keystone:5000/v3', username: user, password: `${user}-pw`, project_name: user, user_domain_name: 'Default', project_domain_id: 'default' },
  region_name: 'RegionOne',
  interface: 'internal',
});

function dirWithClouds(name: string, clouds: Record<string, unknown>): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'clouds.yaml'), YAML.stringify({ clouds }));
  return d;
}

describe('clouds.yaml lookup', () => {
  it('looks where openstacksdk does, OS_CLIENT_CONFIG_FILE first', () => {
    assert.deepEqual(cloudsYamlCandidates({ OS_CLIENT_CONFIG_FILE: 'my.yaml' }, '/work', '/home/op'), [
      '/work/my.yaml',
      '/work/clouds.yaml',
      '/work/clouds.yml',
      '/home/op/.config/openstack/clouds.yaml',
      '/home/op/.config/openstack/clouds.yml',
      '/etc/openstack/clouds.yaml',
      '/etc/openstack/clouds.yml',
    ]);
  });

  it('reads the named cloud from the first file found: ./clouds.yaml before ~/.config/openstack', () => {
    const cwd = dirWithClouds('cwd', { c1: cloud('alice') });
    const home = join(root, 'home');
    dirWithClouds('home/.config/openstack', { c1: cloud('bob') });
    const c = resolveCredentials({ osCloud: 'c1' }, {}, cwd, home);
    assert.deepEqual(c, {
      authUrl: 'http://keystone:5000/v3',
      username: 'alice',
      password: 'alice-pw',
      projectName: 'alice',
      userDomainName: 'Default',
      projectDomainId: 'default',
      regionName: 'RegionOne',
      interface: 'internal',
    });
    assert.equal(resolveCredentials({}, { OS_CLOUD: 'c1' }, join(root, 'nowhere'), home).username, 'bob');
  });

  it('takes OS_* over the cloud and --os-* over OS_*', () => {
    const cwd = dirWithClouds('prec', { c1: cloud('alice') });
    const c = resolveCredentials({ osCloud: 'c1', osProjectName: 'opt-project' }, { OS_PASSWORD: 'env-pw', OS_PROJECT_NAME: 'env-project', OS_INTERFACE: 'publicURL' }, cwd, root);
    assert.equal(c.password, 'env-pw');
    assert.equal(c.projectName, 'opt-project');
    assert.equal(c.interface, 'public');
  });

  it('works from OS_* alone, with the public interface by default', () => {
    const c = resolveCredentials({}, { OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_ID: 'pid' }, root, root);
    assert.deepEqual(c, { authUrl: 'http://k/v3', username: 'u', password: 'p', projectId: 'pid', interface: 'public' });
  });

  it('says what is missing', () => {
    assert.throws(() => resolveCredentials({}, {}, join(root, 'nowhere'), join(root, 'nowhere')), /Missing value auth-url/);
    assert.throws(() => resolveCredentials({}, { OS_AUTH_URL: 'http://k', OS_USERNAME: 'u', OS_PASSWORD: 'p' }, root, root), /Missing value project-name/);
    const cwd = dirWithClouds('one', { c1: cloud('alice') });
    assert.throws(() => resolveCredentials({ osCloud: 'c2' }, {}, cwd, root), /^CredentialsError: Cloud c2 was not found in .*one\/clouds\.yaml$/);
  });
});

describe('Keystone and the catalog', () => {
  it('authenticates at /v3/auth/tokens whether auth_url names the version or not', () => {
    assert.equal(tokensUrl('http://k:5000/v3'), 'http://k:5000/v3/auth/tokens');
    assert.equal(tokensUrl('http://k:5000/v3/'), 'http://k:5000/v3/auth/tokens');
    assert.equal(tokensUrl('http://k:5000'), 'http://k:5000/v3/auth/tokens');
    assert.equal(tokensUrl('http://k:5000/v2.0'), 'http://k:5000/v3/auth/tokens');
  });

  it('picks the compute endpoint of the interface and region', () => {
    const catalog = [
      { type: 'identity', endpoints: [{ interface: 'public', region_id: 'R1', url: 'http://k/v3' }] },
      {
        type: 'compute',
        endpoints: [
          { interface: 'public', region_id: 'R1', url: 'http://pub1/v2.1/' },
          { interface: 'internal', region_id: 'R1', url: 'http://int1/v2.1' },
          { interface: 'public', region_id: 'R2', url: 'http://pub2/v2.1' },
        ],
      },
    ];
    assert.equal(computeEndpoint(catalog, 'public', undefined), 'http://pub1/v2.1');
    assert.equal(computeEndpoint(catalog, 'public', 'R2'), 'http://pub2/v2.1');
    assert.equal(computeEndpoint(catalog, 'internal', 'R1'), 'http://int1/v2.1');
    assert.throws(() => computeEndpoint(catalog, 'admin', 'R1'), /No compute endpoint for interface admin in region R1/);
  });
});
