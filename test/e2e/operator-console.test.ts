// The operator console in a real headless Chromium (Debian's, driven by
// playwright-core): an admin signs in, sees the hosts, starts a live
// migration and watches its progress, drains a host from the page; a user
// without the admin role is turned away. Screenshots are kept under
// test-results/operator-console/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startCloud, type Cloud } from '../support/cloud.js';
import { REPO_ROOT } from './support/magnetar-process.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-results', 'operator-console');
const HOST = 'OS-EXT-SRV-ATTR:host';

describe('operator console in Chromium', { skip: existsSync(CHROMIUM) ? false : 'Debian chromium is not installed' }, () => {
  let c: Cloud;
  let browser: Browser;
  let page: Page;

  const signIn = async (p: Page, user: string, project: string) => {
    await p.goto(c.consoleUrl);
    await p.fill('input[name=username]', user);
    await p.fill('input[name=password]', user);
    await p.fill('input[name=project]', project);
    await p.click('button[type=submit]');
  };
  const hostRow = (host: string) => page.locator(`#hosts-table tr[data-host="${host}"]`);

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // A slow simulated live migration, so that its progress can be watched.
    c = await startCloud({ overrides: ['fake.live_migration_delay=3'] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });
  after(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('turns away a user without the admin role', async () => {
    const p = await browser.newPage();
    await signIn(p, 'demo', 'demo');
    await p.waitForSelector('#signin-error:has-text("no admin role")');
    assert.equal(await p.isVisible('#main'), false);
    await p.close();
  });

  it('shows every host with its state, capacity and servers', async () => {
    await signIn(page, 'admin', 'admin');
    await page.waitForSelector('#hosts-table tbody tr');
    assert.deepEqual(await page.locator('#hosts-table td.name').allTextContents(), ['compute1', 'compute2', 'compute3']);
    assert.deepEqual([...new Set(await page.locator('#hosts-table td.health').allTextContents())], ['up']);
    await page.screenshot({ path: join(SHOTS, '1-hosts.png'), fullPage: true });
  });

  it('starts a live migration and shows its progress until it ends', async () => {
    const s = await c.bootServer('admin', { availability_zone: 'nova:compute1' });
    await page.waitForSelector(`#servers-table tr[data-server="${s.id}"]`);
    await page.click(`#servers-table tr[data-server="${s.id}"] button[data-action="live-migrate"]`);
    await page.waitForSelector(`#migrations-table tr td.progress:has-text("% of memory")`, { timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, '2-live-migration.png'), fullPage: true });
    await page.waitForSelector('#no-migrations', { timeout: 15_000 });
    const host = await page.locator(`#servers-table tr[data-server="${s.id}"] td.host`).textContent();
    assert.notEqual(host, 'compute1');
    assert.equal((await c.req('admin', 'GET', `/servers/${s.id}`, { version: '2.84' })).body.server[HOST], host);
    assert.match((await page.locator('#activity').textContent()) ?? '', /live migrate .*: accepted/);
  });

  it('drains a host from the page: every server moves off it', async () => {
    await Promise.all([0, 1].map(() => c.bootServer('admin', { availability_zone: 'nova:compute2' })));
    await page.waitForFunction(() => document.querySelector('#hosts-table tr[data-host="compute2"] td.servers')?.textContent !== '0');
    await hostRow('compute2').locator('button[data-action="drain"]').click();
    await page.waitForSelector('#activity li:has-text("drain compute2: ended")', { timeout: 30_000 });
    assert.match((await page.locator('#activity').textContent()) ?? '', /drain compute2: ended, \d+ moved, 0 not moved/);
    await page.waitForFunction(() => document.querySelector('#hosts-table tr[data-host="compute2"] td.servers')?.textContent === '0');
    await page.screenshot({ path: join(SHOTS, '3-drained.png'), fullPage: true });
    const left = await c.req('admin', 'GET', '/servers/detail?all_tenants=1&host=compute2', { version: '2.84' });
    assert.deepEqual(left.body.servers, []);
  });

  it('answers bad input with a fault and passes the API\'s faults through', async () => {
    const bad = await fetch(`${c.consoleUrl}/auth`, { method: 'POST', body: '{' });
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${c.consoleUrl}/static/../../etc/passwd`)).status, 404);
    const noToken = await fetch(`${c.consoleUrl}/compute/v2.1/servers`);
    assert.equal(noToken.status, 401);
    assert.equal(((await noToken.json()) as any).error.code, 401);
  });
});
