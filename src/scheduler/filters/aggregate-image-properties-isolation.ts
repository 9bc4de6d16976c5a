// AggregateImagePropertiesIsolation: a host whose aggregates set a key that
// is one of Nova's image properties takes only images that either lack that
// property or have one of the aggregate's values for it. With
// aggregate_image_properties_isolation_namespace set, only keys starting
// with namespace + separator are looked at (and, as in Nova today, none of
// those is an image property, so nothing is then filtered).
import type { RequestSpec } from '../request-spec.js';
import { aggregateMetadataOf } from './aggregate-metadata.js';
import type { Filter } from './filter.js';
import { imageMetaProps } from './image-meta-props.js';

export type ImagePropertiesOf = (spec: RequestSpec) => Readonly<Record<string, string>>;

export function aggregateImagePropertiesIsolation(imageProperties: ImagePropertiesOf, namespace: string, separator: string): Filter {
  return {
    name: 'AggregateImagePropertiesIsolation',
    readsAggregates: () => true,
    passes: (host, spec) => {
      const props = imageMetaProps(imageProperties(spec));
      for (const [key, options] of aggregateMetadataOf(host)) {
        if (namespace !== '' && !key.startsWith(namespace + separator)) continue;
        const prop = props.get(key);
        if (prop && !options.has(prop)) return false;
      }
      return true;
    },
  };
}
