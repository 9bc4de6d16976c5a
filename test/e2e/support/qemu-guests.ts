// What the real-guest tests share: the tiny guest image built into a data
// directory, the QEMU process a guest directory names, and the audit asked
// until it agrees with the hosts' real guests.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAIN_JS } from './magnetar-process.js';
import { PACKAGE_CACHE } from './qemu-tools.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Builds the tiny guest into `dataDir`'s image store (`magnetar image build-tiny`) and returns its root disk image's id. */
export async function buildTinyImage(dataDir: string): Promise<string> {
  const built = await run(process.execPath, [MAIN_JS, 'image', 'build-tiny', '--data-dir', dataDir, '--package-cache', PACKAGE_CACHE], { timeout: 180_000 });
  const id = /^\s+(\S+)\s+tiny-linux \(qcow2/m.exec(built.stdout)?.[1];
  assert.ok(id, `build-tiny printed no image id:\n${built.stdout}`);
  return id;
}

/** The pid of the QEMU process of the guest in `guestDir`, when it runs (not a zombie). */
export function runningQemuPid(guestDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(guestDir, 'qemu.pid'), 'utf8').trim());
    return existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) ? pid : null;
  } catch {
    return null;
  }
}

/** The strict audit finds nothing, within a few power-state sync rounds. */
export async function auditUntilClean(api: (method: string, path: string) => Promise<{ body: any }>, ms = 15_000): Promise<void> {
  let last: any;
  for (const end = Date.now() + ms; Date.now() < end; await sleep(300)) {
    last = (await api('GET', '/magnetar/audit?strict=true')).body;
    if (last?.audit?.findings?.length === 0) return;
  }
  assert.deepEqual(last?.audit?.findings, [], 'audit findings');
}

type Api = (method: string, path: string, body?: unknown, version?: string) => Promise<{ status: number; body: any }>;

/** The server's live migration once QEMU streams its memory (2.23 figures), within a minute. */
export async function runningLiveMigration(api: Api, serverId: string): Promise<any> {
  let running: any;
  for (const end = Date.now() + 60_000; !running && Date.now() < end; await sleep(100)) {
    const list = await api('GET', `/servers/${serverId}/migrations`, undefined, '2.23');
    running = (list.body.migrations as any[]).find((x) => x.status === 'running' && x.memory_processed_bytes > 0);
  }
  assert.ok(running, 'the memory transfer was seen running');
  return running;
}
