// A simulated host's lifecycle state, as GET /magnetar/hosts and the host actions show it.
import type { HostStatus } from '../../compute/host-lifecycle.js';

export const hostStateView = (h: HostStatus): { host: string; state: string } => ({ host: h.host, state: h.state });
