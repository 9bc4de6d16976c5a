// The image catalog every role on a machine shares: the seeded images plus
// the file store under `[DEFAULT] state_path`/images.
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { ImageCatalog, SEEDED_IMAGES } from './catalog.js';
import { ImageStore } from './store.js';

export function imageCatalog(conf: Config): ImageCatalog {
  return new ImageCatalog(SEEDED_IMAGES, new ImageStore(join(conf.path('DEFAULT', 'state_path'), 'images')));
}
