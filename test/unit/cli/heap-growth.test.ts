import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig, ConfigError } from '../../../src/config/config.js';
import { limitHeapGrowth } from '../../../src/cli/heap-growth.js';

const HEAP_GROWTH = fileURLToPath(new URL('../../../src/cli/heap-growth.js', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../../src/config/config.js', import.meta.url));

// A child keeps 40 MB of data in use and turns over a window of short-lived
// objects that live long enough to reach the old generation (as work in flight
// does), then prints the largest heap it held.
const CHURN = `
const { limitHeapGrowth } = await import(${JSON.stringify(HEAP_GROWTH)});
const { loadConfig } = await import(${JSON.stringify(CONFIG)});
limitHeapGrowth(loadConfig({ overrides: process.argv[1] === 'default' ? [] : ['magnetar.heap_growth_percent=' + process.argv[1]] }));
const kept = Array.from({ length: 40 }, () => Array.from({ length: 26000 }, (_, i) => ({ i })));
const window = new Array(500000);
let peak = 0;
for (let n = 0; n < 5000000; n++) {
  window[n % window.length] = { n, s: 'x' + n };
  if (n % 10000 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
}
console.log(JSON.stringify({ peak: peak / 1048576, kept: kept.length }));
`;

function peakHeapMb(percent: number | 'default'): number {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHURN, String(percent)], { encoding: 'utf8' });
  return (JSON.parse(out) as { peak: number }).peak;
}

test('the default growth bound keeps the heap well below what V8 allows on its own', () => {
  const bounded = peakHeapMb('default');
  const unbounded = peakHeapMb(0);
  // Seen here: about 206 MB bounded, 287 to 358 MB unbounded.
  assert.ok(bounded < unbounded * 0.85, `peak heap ${bounded.toFixed(1)} MB bounded, ${unbounded.toFixed(1)} MB with V8's own choice`);
});

test('a negative growth percent is refused', () => {
  assert.throws(() => limitHeapGrowth(loadConfig({ overrides: ['magnetar.heap_growth_percent=-5'] })), ConfigError);
});
