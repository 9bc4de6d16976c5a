// Which image source a compute process boots real guests from
// (`[magnetar] compute_image_source`): the image store read in place where
// this machine holds it (the all-in-one, or a host sharing the API's state
// directory), else downloads through the image API, as a compute host on
// another machine fetches from Glance.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { GuestImageSource } from '../virt/image-source.js';
import { localGuestImageSource } from './guest-image-source.js';
import { HttpGuestImageSource } from './http-guest-image-source.js';
import { imageCatalog } from './on-disk.js';

export type ImageSourceKind = 'local' | 'http';

/** Whether the image store's directory is on this machine and readable. */
function imageStoreReadable(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    accessSync(dir, constants.R_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The kind chosen for this configuration; an unknown value is a configuration error. */
export function computeImageSourceKind(conf: Config): ImageSourceKind {
  const wanted = conf.str('magnetar', 'compute_image_source');
  if (wanted === 'local' || wanted === 'http') return wanted;
  if (wanted !== 'auto') throw new Error(`[magnetar] compute_image_source = ${wanted}: use auto, local or http`);
  return imageStoreReadable(join(conf.path('DEFAULT', 'state_path'), 'images')) ? 'local' : 'http';
}

export function computeImageSource(conf: Config, kind: ImageSourceKind = computeImageSourceKind(conf)): GuestImageSource {
  if (kind === 'local') return localGuestImageSource(imageCatalog(conf));
  return new HttpGuestImageSource(conf, { cacheDir: join(conf.path('DEFAULT', 'state_path'), 'cache', 'images') });
}
