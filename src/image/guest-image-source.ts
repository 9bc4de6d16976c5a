// The image source of a compute host that shares the image store's
// directory (the all-in-one, or a host on the same machine): records and data
// files are read in place.
import type { GuestImageSource } from '../virt/image-source.js';
import type { ImageCatalog } from './catalog.js';

export function localGuestImageSource(catalog: ImageCatalog): GuestImageSource {
  return {
    async get(id) {
      const image = catalog.byId(id);
      if (!image) return undefined;
      const store = catalog.store;
      const hasData = store !== undefined && !catalog.isSeeded(id) && store.hasData(id);
      return {
        id: image.id,
        name: image.name ?? '',
        status: image.status,
        diskFormat: image.disk_format,
        containerFormat: image.container_format,
        properties: image.properties,
        path: hasData ? store.dataPath(id) : null,
      };
    },
  };
}
