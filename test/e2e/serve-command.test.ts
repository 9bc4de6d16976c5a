// The `magnetar` command as an operator meets it: `bin/magnetar serve` prints
// where everything listens and a clouds.yaml it also writes to the data
// directory, and its operator console serves the page's modules; `magnetar
// policy sample` prints a usable policy.yaml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { waitForOutput, stopChild, REPO_ROOT, MAIN_JS } from './support/magnetar-process.js';
import { freePort } from '../support/ports.js';

test('bin/magnetar serve prints the URLs and clouds.yaml, and writes clouds.yaml', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'magnetar-e2e-serve-'));
  const [compute, identity, image, network, consolePort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const child = spawn(
    join(REPO_ROOT, 'bin/magnetar'),
    [
      'serve',
      '--data-dir',
      dataDir,
      ...['magnetar.compute_port=' + compute, 'magnetar.identity_port=' + identity, 'magnetar.image_port=' + image, 'magnetar.network_port=' + network, 'magnetar.console_port=' + consolePort].flatMap((s) => ['--set', s]),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.resume();
  try {
    // bin/magnetar may rebuild first when sources changed: allow for it.
    await waitForOutput(child, () => out, /^Try: .*$/m, 120_000);
    assert.match(out, /Magnetar is ready/);
    assert.match(out, new RegExp(`identity\\s+http://127\\.0\\.0\\.1:${identity}/v3\\n`));
    assert.match(out, new RegExp(`compute\\s+http://127\\.0\\.0\\.1:${compute}/v2\\.1\\n`));
    assert.match(out, new RegExp(`image\\s+http://127\\.0\\.0\\.1:${image}/v2\\n`));
    assert.match(out, /hosts\s+compute1, compute2, compute3/);

    const file = join(dataDir, 'clouds.yaml');
    const written = readFileSync(file, 'utf8');
    assert.ok(out.includes(written), 'the printed clouds.yaml is the one written to the data directory');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'clouds.yaml holds passwords: only its owner may read it');
    const clouds = YAML.parse(written).clouds;
    assert.deepEqual(Object.keys(clouds).sort(), ['magnetar', 'magnetar-admin', 'magnetar-alt', 'magnetar-manager', 'magnetar-reader']);
    assert.equal(clouds['magnetar-admin'].auth.auth_url, `http://127.0.0.1:${identity}/v3`);
    assert.equal(clouds['magnetar-admin'].auth.username, 'admin');
    assert.equal(clouds['magnetar'].auth.project_name, 'demo');
    assert.match(out, new RegExp(`Try: OS_CLIENT_CONFIG_FILE=${file} openstack --os-cloud magnetar-admin`));
    // The operator console finds the modules its page loads, also when the command runs bundled into one file.
    for (const module of ['console/browser/app.js', 'console/browser/drain.js', 'cli/host-moves/plan.js']) {
      const r = await fetch(`http://127.0.0.1:${consolePort}/static/${module}`);
      assert.equal(r.status, 200, module);
      assert.match(r.headers.get('content-type') ?? '', /javascript/);
      assert.match(await r.text(), /^(import|export) /m, module);
    }
  } finally {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('magnetar policy sample is YAML whose rules, uncommented, form policy.yaml', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [MAIN_JS, 'policy', 'sample']);
  // As printed every rule is commented out, so it parses to nothing.
  assert.equal(YAML.parse(stdout), null);
  const uncommented = stdout.replace(/^#(".*": .*)$/gm, '$1');
  const rules = YAML.parse(uncommented) as Record<string, unknown>;
  assert.equal(typeof rules, 'object');
  for (const v of Object.values(rules)) assert.equal(typeof v, 'string');
  assert.equal(rules['context_is_admin'], 'role:admin');
  for (const rule of [
    'os_compute_api:os-admin-actions:reset_state',
    'os_compute_api:os-admin-actions:inject_network_info',
    'os_compute_api:os-migrate-server:migrate',
    'os_compute_api:os-migrate-server:migrate:host',
    'os_compute_api:os-migrate-server:migrate_live',
    'os_compute_api:os-migrate-server:migrate_live:host',
    'os_compute_api:os-evacuate',
  ]) {
    assert.equal(typeof rules[rule], 'string', `${rule} is in the sample`);
  }
});

async function serveOutput(extra: string[]): Promise<{ out: string; err: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'magnetar-e2e-bind-'));
  const ports = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [MAIN_JS, 'serve', '--data-dir', dataDir, '--bind', '0.0.0.0',
      ...['compute_port', 'identity_port', 'image_port', 'network_port', 'console_port'].flatMap((p, i) => ['--set', `magnetar.${p}=${ports[i]}`]), ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  try {
    await waitForOutput(child, () => out, /Magnetar is ready/, 30_000);
    return { out, err };
  } finally {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('serve warns loudly when it listens beyond loopback with default passwords, and not once they are set', async () => {
  const exposed = await serveOutput([]);
  assert.match(exposed.err, /WARNING: listening on 0\.0\.0\.0, beyond loopback/);
  assert.match(exposed.err, /admin, demo, alt_demo, demo_manager, demo_reader/);
  const names = ['admin', 'demo', 'alt_demo', 'demo_manager', 'demo_reader'];
  const guarded = await serveOutput(names.flatMap((n) => ['--set', `identity.${n}_password=s3cret-${n}`]));
  assert.doesNotMatch(guarded.err, /WARNING/);
});
