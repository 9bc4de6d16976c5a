// The metadata_items quota: how many metadata items one server may have.
// Checked wherever a server's metadata is set (boot, rebuild, the metadata
// API), counting the metadata it would have afterwards, as Nova counts it.
// The limit is `[quota] metadata_items` (-1 = unlimited).
import type { Config } from '../config/config.js';
import { MagnetarError } from './errors.js';

export class MetadataLimitExceeded extends MagnetarError {
  constructor(readonly allowed: number) {
    super('Forbidden', `Maximum number of metadata items exceeds ${allowed}`);
  }
}

/** 403 when `items` metadata items are more than a server may have. */
export function checkMetadataItemsQuota(conf: Config, items: number): void {
  const limit = conf.num('quota', 'metadata_items');
  if (limit >= 0 && items > limit) throw new MetadataLimitExceeded(limit);
}
