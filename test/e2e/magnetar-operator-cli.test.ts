// `magnetar audit` and `magnetar host …` as an operator runs them: the real
// command (dist/src/magnetar.js) in a child process, against a Magnetar in
// this test process, with credentials from a clouds.yaml written here or
// from OS_* variables.
//
// The `host` commands reach hosts sim1/sim2 whose `hostctl.<host>` is a TEST
// DOUBLE served in this process (the route's contract only); what stopping
// and starting really do to a host is tested end to end elsewhere.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setInstanceColumns } from '../support/db.js';
import { until } from '../support/wait.js';
import { MAIN_JS } from './support/magnetar-process.js';
import { registerService } from '../../src/db/services.js';
import { dbTime } from '../../src/db/time.js';
import type { Handlers, Subscription } from '../../src/rpc/bus.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let c: Cloud;
let dir: string;
let cloudsFile: string;
const doubles: Subscription[] = [];

/** The environment of the caller without its OS_* variables, plus `extra`. */
function env(extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('OS_')) out[k] = v;
  return { ...out, ...extra };
}

function magnetar(args: readonly string[], extraEnv: Record<string, string> = { OS_CLIENT_CONFIG_FILE: cloudsFile }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN_JS, ...args], { env: env(extraEnv), cwd: dir, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const cloud = (user: string, project: string) => ({
  auth: {
    auth_url: `${c.identityUrl}/v3`,
    username: user,
    password: user,
    project_name: project,
    user_domain_name: 'Default',
    project_domain_name: 'Default',
  },
  region_name: 'RegionOne',
  interface: 'public',
  identity_api_version: 3,
});

function hostctlDouble(host: string): Handlers {
  let state = 'running';
  const to = (from: string, next: string) => () => {
    if (state !== from) throw new Error(`host ${host} is ${state}`);
    state = next;
    return { host, state };
  };
  return { host_state: () => ({ host, state }), host_stop: to('running', 'stopped'), host_crash: to('running', 'crashed'), host_start: to('stopped', 'running') };
}

before(async () => {
  c = await startCloud();
  dir = mkdtempSync(join(tmpdir(), 'magnetar-cli-'));
  cloudsFile = join(dir, 'clouds.yaml');
  writeFileSync(cloudsFile, YAML.stringify({ clouds: { 'test-admin': cloud('admin', 'admin'), 'test-demo': cloud('demo', 'demo') } }));
});
after(async () => {
  for (const d of doubles) await d.close();
  await c.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('magnetar audit', () => {
  let server: any;

  it('exits 0 on a clean cloud and prints a summary; --json prints the API body', async () => {
    server = await c.bootServer('demo');
    await until('a clean audit', () => c.req('admin', 'GET', '/magnetar/audit?strict=true'), (r) => r.body?.audit?.findings?.length === 0);
    const r = await magnetar(['audit', '--os-cloud', 'test-admin', '--strict']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '0 violation(s), 0 warning(s), 0 in progress (strict); checked 1 servers, 0 migrations, 1 allocations, 1 guests on 3 of 3 hosts\n');
    const j = await magnetar(['audit', '--json'], { OS_CLIENT_CONFIG_FILE: cloudsFile, OS_CLOUD: 'test-admin' });
    assert.equal(j.code, 0, j.stderr);
    const body = JSON.parse(j.stdout);
    assert.equal(body.audit.strict, false);
    assert.deepEqual(body.audit.findings, []);
    assert.deepEqual(body.audit.counts, { servers: 1, migrations: 0, allocations: 1, guests: 1 });
  });

  it('exits 1 with a line per finding when there is a violation', async () => {
    // The guest vanishes from its hypervisor, long after the server last changed.
    await setInstanceColumns(c, server.id, { updated_at: dbTime(new Date(Date.now() - 600_000)) });
    const host = server['OS-EXT-SRV-ATTR:host'];
    await c.aio.agents.get(host)!.ctx.driver.destroy(server.id);
    const r = await magnetar(['audit', '--os-cloud', 'test-admin']);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.equal(lines[0], `missing-guest       violation   ${server.id} ${'-'.padEnd(36)} ${host} Server is recorded on ${host}, whose hypervisor has no guest of it`);
    assert.match(lines[1]!, /^1 violation\(s\), 0 warning\(s\), 0 in progress; checked 1 servers/);
  });

  it('takes credentials from OS_* variables too', async () => {
    const r = await magnetar(['audit', '--stuck-after', '60'], {
      OS_AUTH_URL: `${c.identityUrl}/v3`,
      OS_USERNAME: 'admin',
      OS_PASSWORD: 'admin',
      OS_PROJECT_NAME: 'admin',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^missing-guest /m);
  });

  it('exits 2 when it cannot have the audit: not admin, no API, no credentials, bad option', async () => {
    const member = await magnetar(['audit', '--os-cloud', 'test-demo']);
    assert.equal(member.code, 2);
    assert.equal(member.stderr, "magnetar audit: the compute API answered 403: Policy doesn't allow magnetar:audit to be performed.\n");
    const down = await magnetar(['audit', '--os-cloud', 'test-admin', '--os-auth-url', 'http://127.0.0.1:9/v3']);
    assert.equal(down.code, 2);
    assert.match(down.stderr, /^magnetar audit: Cannot reach http:\/\/127\.0\.0\.1:9\/v3\/auth\/tokens/);
    const unknown = await magnetar(['audit', '--os-cloud', 'nosuchcloud']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, `magnetar audit: Cloud nosuchcloud was not found in ${cloudsFile}\n`);
    const none = await magnetar(['audit'], {});
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Missing value auth-url/);
    const bad = await magnetar(['audit', '--os-cloud', 'test-admin', '--stuck-after', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--stuck-after must be a whole number of seconds/);
  });
});

describe('magnetar host', () => {
  before(async () => {
    await registerService(c.aio.base.db.kysely, 'sim1', 'nova-compute', 'compute', new Date());
    doubles.push(await c.aio.base.bus.serve('hostctl.sim1', hostctlDouble('sim1')));
  });

  it('lists the hosts that answer and restarts one (stop, then start)', async () => {
    const list = await magnetar(['host', 'list', '--os-cloud', 'test-admin']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^sim1 running$/m);
    const restart = await magnetar(['host', 'restart', 'sim1', '--os-cloud', 'test-admin']);
    assert.equal(restart.code, 0, restart.stderr);
    assert.equal(restart.stdout, 'sim1 stopped\nsim1 running\n');
  });

  it('exits 1 with the API\'s reason when it refuses', async () => {
    const start = await magnetar(['host', 'start', 'sim1', '--os-cloud', 'test-admin']);
    assert.equal(start.code, 1);
    assert.equal(start.stderr, 'magnetar host: Cannot change the state of compute host sim1: host sim1 is running\n');
    const unknown = await magnetar(['host', 'crash', 'nohost', '--os-cloud', 'test-admin']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'magnetar host: Compute host nohost could not be found.\n');
  });
});
