// Hosts the request excludes (the source of a migration). Always runs,
// whatever enabled_filters says.
import type { Filter } from './filter.js';

export const ignoreHostsFilter: Filter = {
  name: 'IgnoreHosts',
  passes: (host, spec) => !(spec.ignoreHosts ?? []).includes(host.host),
};
