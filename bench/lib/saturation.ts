// Claims at size: a cloud of N simulated hosts that each fit exactly one
// m1.tiny server, asked for N + a few servers, many requests in flight at
// once. Every host must end up with one server, no host with two, and the
// requests beyond the hosts must fail with NoValidHost: claims neither
// overbook nor leave room unused, at every size.
import { ComputeClient } from './client.js';
import { CLIENT_CONCURRENCY, countBy, listAllServers, waitNoneIn, waitReady } from './cloud-at-size.js';
import { spawnMagnetar } from './processes.js';
import { inPool, round } from './stats.js';

export interface Saturation {
  readonly hosts: number;
  /** Servers asked for, one per request, CLIENT_CONCURRENCY requests in flight. */
  readonly requested: number;
  readonly active: number;
  /** Servers in ERROR whose fault says no host was found. */
  readonly noValidHost: number;
  /** Servers in any other state at the end. */
  readonly other: number;
  /** The most servers on one host (1 fits). */
  readonly mostOnOneHost: number;
  /** Hosts left without a server. */
  readonly emptyHosts: number;
  /** From the first POST to none in BUILD. */
  readonly seconds: number;
}

const ZERO_DELAYS = ['spawn', 'destroy', 'power', 'migrate', 'live_migration', 'precheck'].map((s) => `fake.${s}_delay=0`);

/** Requests beyond the hosts' room: 1 % of the hosts, at least 20. */
export const extraRequests = (hosts: number): number => Math.max(20, Math.ceil(hosts / 100));

export async function fillEveryHost(hosts: number, log: (s: string) => void): Promise<Saturation> {
  const names = Array.from({ length: hosts }, (_, i) => `compute${i + 1}`);
  // One m1.tiny (1 vCPU, 512 MB, 1 GB) fills a host in every resource.
  const proc = await spawnMagnetar([
    `magnetar.compute_hosts=${names.join(',')}`,
    ...ZERO_DELAYS,
    'fake.vcpus=1',
    'fake.memory_mb=512',
    'fake.local_gb=1',
    'quota.instances=-1',
    'quota.cores=-1',
    'quota.ram=-1',
  ]);
  try {
    const client = new ComputeClient(proc.identityUrl, proc.computeUrl, proc.imageUrl);
    await waitReady(client, 120_000);
    const imageRef = await client.imageId('cirros');
    const requested = hosts + extraRequests(hosts);
    const t0 = performance.now();
    await inPool(
      Array.from({ length: requested }, (_, i) => i),
      CLIENT_CONCURRENCY,
      async (i) => {
        const r = await client.req('demo', 'POST', '/servers', { version: '2.37', body: { server: { name: `fill-${i}`, flavorRef: '1', imageRef, networks: 'none' } } });
        if (r.status !== 202) throw new Error(`POST /servers: ${r.status} ${r.text.slice(0, 300)}`);
      },
    );
    await waitNoneIn(client, 'demo', ['BUILD'], 600_000);
    const seconds = (performance.now() - t0) / 1000;
    const servers = await listAllServers(client, 'admin', '&all_tenants=1');
    const active = servers.filter((s) => s.status === 'ACTIVE');
    const noValidHost = servers.filter((s) => s.status === 'ERROR' && /No valid host/.test(String(s.fault?.message ?? ''))).length;
    const perHost = countBy(active, (s) => String(s['OS-EXT-SRV-ATTR:host']));
    const result: Saturation = {
      hosts,
      requested,
      active: active.length,
      noValidHost,
      other: servers.length - active.length - noValidHost,
      mostOnOneHost: Math.max(0, ...Object.values(perHost)),
      emptyHosts: hosts - Object.keys(perHost).length,
      seconds: round(seconds, 2),
    };
    log(
      `  ${hosts} hosts filled: ${requested} servers asked for, ${result.active} ACTIVE, ${noValidHost} NoValidHost, ${result.other} other ` +
        `${JSON.stringify(countBy(servers, (s) => String(s.status)))}; at most ${result.mostOnOneHost} on a host, ${result.emptyHosts} hosts empty, in ${result.seconds} s`,
    );
    return result;
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${proc.output().slice(-2000)}`);
  } finally {
    await proc.stop();
  }
}

/** Whether claims neither overbooked nor left room unused. */
export const saturationHolds = (s: Saturation): boolean =>
  s.active === s.hosts && s.mostOnOneHost === 1 && s.emptyHosts === 0 && s.noValidHost === s.requested - s.hosts && s.other === 0;
