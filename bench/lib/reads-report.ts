// Renders bench/READS-AT-SIZE.md from bench/results/reads-at-size.json and,
// when recorded, bench/results/reads-at-size-before.json (the same benchmark
// before the changes it led to): per request, the figures at each size, the
// growth between them, and now ÷ before.
import type { ReadsAtSizeResult, SizeReads } from '../reads-at-size.js';
import { loadRecorded, stamp, type Recorded as RecordedOf } from './recorded.js';

type Recorded = RecordedOf<ReadsAtSizeResult>;

const load = (dir: string, name: string): Recorded | null => loadRecorded(dir, name);

const n = (x: number): string => x.toLocaleString('en');
const ms = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x}`);
const times = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : `**×${x}**`);

function sizesTable(r: Recorded): string {
  const x = r.result;
  const small = x.sizes[0]!;
  const big = x.sizes[x.sizes.length - 1]!;
  const head =
    `| request | user | items ${n(small.servers)} / ${n(big.servers)} | p50 ms ${n(small.servers)} | p50 ms ${n(big.servers)} | p50 growth | ` +
    `p99 ms ${n(small.servers)} | p99 ms ${n(big.servers)} | p99 growth | req/s ${n(small.servers)} / ${n(big.servers)} |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n`;
  const rows = big.cases.map((b) => {
    const s = small.cases.find((c) => c.name === b.name);
    const g = x.growth.find((c) => c.name === b.name);
    if (!s || b.skipped) return `| ${b.name} | ${b.user} | skipped: ${b.skipped ?? 'not measured at both sizes'} | | | | | | | |`;
    const rps = b.requestsPerSecond !== undefined ? `${s.requestsPerSecond} / ${b.requestsPerSecond}` : '';
    return `| ${b.name} | ${b.user} | ${s.items} / ${b.items} | ${ms(s.p50Ms)} | ${ms(b.p50Ms)} | ${times(g?.p50)} | ${ms(s.p99Ms)} | ${ms(b.p99Ms)} | ${times(g?.p99)} | ${rps} |`;
  });
  const walkRows = big.walks.map((b) => {
    const s = small.walks.find((w) => w.name === b.name);
    if (!s) return '';
    const pages = (w: SizeReads['walks'][number]): string => `${n(w.pages)} pages in ${w.seconds} s${w.cutShort ? ` (${w.cutShort})` : ''}`;
    return (
      `| ${b.name} | ${pages(s)}; first ${s.firstPageMs} ms, last ${s.lastPagesMs} ms (×${round2(s.lastPagesMs / s.firstPageMs)}) | ` +
      `${pages(b)}; first ${b.firstPageMs} ms, last ${b.lastPagesMs} ms (×${round2(b.lastPagesMs / b.firstPageMs)}) |`
    );
  });
  const setup = x.sizes.map((s) => `${n(s.servers)} servers and ${n(s.migrations)} migrations: seeded in ${s.seedSeconds} s, restarted in ${s.restartMs} ms` + (s.settleMs !== undefined ? `, measured once it used ${s.settledCpuPercent} % of a core (${s.settleMs} ms after ready)` : '')).join('; ');
  return (
    `${stamp(r)}\n\n${setup}.\n\n${head}${rows.join('\n')}\n\n` +
    `| every page by marker | ${n(small.servers)} servers | ${n(big.servers)} servers |\n|---|---|---|\n${walkRows.join('\n')}\n`
  );
}

const round2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');

function beforeAfter(before: Recorded, after: Recorded): string {
  const bBig = before.result.sizes[before.result.sizes.length - 1]!;
  const aBig = after.result.sizes[after.result.sizes.length - 1]!;
  const rows = after.result.growth.map((g) => {
    const bg = before.result.growth.find((x) => x.name === g.name);
    const b = bBig.cases.find((c) => c.name === g.name);
    const a = aBig.cases.find((c) => c.name === g.name);
    if (!bg || !b || !a || a.skipped) return null;
    return `| ${g.name} | ${times(bg.p50)} | ${times(g.p50)} | ${ms(b.p50Ms)} → ${ms(a.p50Ms)} |`;
  });
  return (
    `| request | p50 growth before | p50 growth now | p50 ms at ${n(aBig.servers)}, before → now |\n|---|---:|---:|---:|\n` +
    `${rows.filter((x): x is string => x !== null).join('\n')}\n`
  );
}

const NOTES =
  '## Reading these numbers\n\n' +
  '- Growth = the figure with 100,000 servers ÷ the figure with 1,000, both measured in the same run, one after the other, by the same ' +
  'client. The machine is shared and noisy: compare the ratios, not the milliseconds, and runs only through their ratios.\n' +
  '- A page costs the same at both sizes when its growth is near ×1. Cases whose answer differs between the sizes say so in the items ' +
  'column (a host holds 10 servers at 1,000 and 1,000 at 100,000, so its page fills; the first page of a regular expression filter scans ' +
  'as many rows as it takes to fill the page).\n' +
  '- The name filter (a regular expression) is applied to rows read in the list\'s order in batches of 200, 400, 800…: with a tenth ' +
  'of the names matching, a page of 100 reads 1,400 rows at 100,000 and all 1,002 at 1,000 (a growth near ×1.4 is that). ' +
  '`GET /servers/{id}/migrations` lists live migrations in progress only; the seeded ones are completed, so it answers an empty list after the same lookup.\n' +
  '- Latency: the time to the last byte of each of 40 sequential requests (after 5 not counted), one connection. req/s: the load ' +
  'generator (autocannon, its own process) with 10 connections for 3 s after a 1 s warm-up.\n' +
  '- The servers beyond the two references are seeded rows, not API-created ones; the verification list above says what was checked ' +
  'through the API before measuring.\n';

export function renderReadsAtSize(dir: string): string {
  const after = load(dir, 'reads-at-size');
  const before = load(dir, 'reads-at-size-before');
  let md =
    '# Reads at size\n\n' +
    'Generated by `npm run bench reads-at-size` (bench/reads-at-size.ts) from bench/results/reads-at-size*.json; do not edit by hand.\n\n' +
    'One `magnetar serve` (SQLite, in-process bus, 100 simulated hosts, zero simulated delays), measured with 1,000 and then with 100,000 servers ' +
    'on the same data directory; lists as demo (every server is in its project) unless the user column says admin, microversion `latest`.\n\n';
  if (after) {
    md += `## Population\n\n${after.result.population}.\n\nChecked through the API before measuring, at each size:\n\n${after.result.verified.map((v) => `- ${v}`).join('\n')}\n\n`;
    md += `## Now\n\n${sizesTable(after)}\n`;
  }
  if (before) md += `## Before (commit \`${before.commit}\`)\n\n${sizesTable(before)}\n`;
  if (before && after) md += `## Growth before and now\n\n${beforeAfter(before, after)}\n`;
  return md + NOTES;
}
