// Query strings of /os-hypervisors: nothing before 2.33, paging from 2.33
// (unknown parameters dropped), and from 2.53 the hostname pattern and
// with_servers with unknown parameters refused.
import type { QuerySchema } from '../query.js';

export const hypervisorListQuery: QuerySchema = { params: {}, strict: false };
export const hypervisorListQueryV233: QuerySchema = { params: { limit: { type: 'nonNegInt' }, marker: {} }, strict: false };
export const hypervisorListQueryV253: QuerySchema = {
  params: { limit: { type: 'nonNegInt' }, marker: {}, hypervisor_hostname_pattern: {}, with_servers: { type: 'bool' } },
  strict: true,
};

export const hypervisorShowQuery: QuerySchema = { params: {}, strict: false };
export const hypervisorShowQueryV253: QuerySchema = { params: { with_servers: { type: 'bool' } }, strict: true };

/** hypervisor_hostname_pattern has the shape of a host name. */
export const HOSTNAME_PATTERN_RX = /^[a-zA-Z0-9-._]{1,255}$/;
