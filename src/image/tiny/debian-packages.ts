// Debian packages fetched with `apt-get download` into a cache directory and
// unpacked with `dpkg-deb -x`, so a second build finds everything on disk and
// needs no network.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class DebianPackageCache {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** The cached .deb of `name`, downloaded first when absent. */
  async deb(name: string): Promise<string> {
    const cached = this.find(name);
    if (cached) return cached;
    try {
      await run('apt-get', ['download', name], { cwd: this.dir, maxBuffer: 16 << 20 });
    } catch (e) {
      throw new Error(`cannot download the Debian package ${name}: ${errorText(e)}`);
    }
    const got = this.find(name);
    if (!got) throw new Error(`apt-get download ${name} left no ${name}_*.deb in ${this.dir}`);
    return got;
  }

  /** A package's Depends field. */
  async depends(name: string): Promise<string[]> {
    const { stdout } = await run('dpkg-deb', ['-f', await this.deb(name), 'Depends']);
    return stdout.split(',').map((d) => d.trim().split(/\s|\|/)[0] ?? '').filter((d) => d !== '');
  }

  /** The directory `name` is unpacked in (unpacked once). */
  async unpacked(name: string): Promise<string> {
    const deb = await this.deb(name);
    const dest = join(this.dir, 'unpacked', deb.slice(this.dir.length + 1).replace(/\.deb$/, ''));
    if (existsSync(dest)) return dest;
    // Unpacked aside and renamed into place: a concurrent build sees all of it or none.
    const tmp = `${dest}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await run('dpkg-deb', ['-x', deb, tmp]);
    try {
      renameSync(tmp, dest);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(dest)) throw e;
    }
    return dest;
  }

  private find(name: string): string | undefined {
    const f = readdirSync(this.dir).find((x) => x.startsWith(`${name}_`) && x.endsWith('.deb'));
    return f && join(this.dir, f);
  }
}

export function errorText(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr?.trim() || err.message || String(e)).split('\n').filter((l) => !l.startsWith('W: ')).join('\n');
}
