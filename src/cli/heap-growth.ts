// Bounds how far V8 lets the heap grow past its live data. On a machine with
// much memory V8 allows up to four times the data that survived the last full
// collection; a control plane moving a thousand servers at once promotes most
// of its short-lived work to the old generation, so its peak memory became
// mostly garbage waiting for a collection. Twice the live data costs no
// measurable CPU in the administrative-actions benchmark and cuts its peak RSS
// by about a third (bench/RESULTS.md).
import { setFlagsFromString } from 'node:v8';
import { ConfigError, type Config } from '../config/config.js';

/** `[magnetar] heap_growth_percent`, checked: every command reads it up front so a bad value stops it before it starts anything. */
export function heapGrowthPercent(conf: Config): number {
  const percent = conf.num('magnetar', 'heap_growth_percent');
  if (percent < 0) throw new ConfigError(`[magnetar] heap_growth_percent: ${percent} is negative`);
  return percent;
}

/**
 * Applied once a role is up: start-up builds most of what stays in memory,
 * and V8's own growth gets there with fewer collections (at 10,000 hosts the
 * bound from the first moment added about 6 % to the ready time).
 */
export function limitHeapGrowth(conf: Config): void {
  const percent = heapGrowthPercent(conf);
  // V8 reads the flag after every full collection, so setting it now applies.
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
