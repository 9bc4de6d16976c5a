// What the real-guest tests need from the machine: the QEMU tools (the test
// command installs them from Debian; without them the tests skip and say
// why) and one Debian package cache shared by every run.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Kept between runs so only the first run downloads the packages. */
export const PACKAGE_CACHE = join(tmpdir(), 'magnetar-test-debian-cache');

const have = (cmd: string): boolean => ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin'].some((d) => existsSync(join(d, cmd)));
const missing = ['qemu-system-x86_64', 'qemu-img', 'mke2fs', 'apt-get', 'dpkg-deb'].filter((c) => !have(c));

/** A skip reason for real-guest suites when a tool is missing, else false. */
export const skipWithoutQemu: string | false =
  missing.length > 0 ? `QEMU tools missing (${missing.join(', ')}); scripts/test.sh installs them` : false;
