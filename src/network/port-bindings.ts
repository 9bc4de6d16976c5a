// Multiple port bindings (Neutron's binding-extended): besides the active
// binding a port shows as binding:host_id/profile/vnic_type, a compute port
// may hold inactive bindings for other hosts; activating one makes it the
// port's binding and keeps the former one as inactive, which is how a live
// migration moves a port from its source host to its destination.
import type { AuthContext } from '../identity/validator.js';
import { isAdmin, type Caller } from './access.js';
import { NeutronError, badResourceRequest, invalidAttr, policyDenied } from './errors.js';
import { revised, type NetworkEnv } from './env.js';
import { isL3Port, visiblePort } from './ports.js';
import { checkedAttributes, dict, resourceBody, str, type AttributeSpec } from './request.js';
import type { Resource } from './store.js';

/** A binding of the port to a host besides its active one. */
export interface StoredBinding {
  readonly host: string;
  readonly vnic_type: string;
  readonly profile: Record<string, unknown>;
  /** Inactive ones: that host's L2 agent has wired it (the guest's VIF plugged there); never shown. */
  readonly wired?: boolean;
}

const VNIC_TYPES = ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'vdpa', 'remote-managed'];

const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  host: { post: true, put: false, required: true, check: str(255) },
  vnic_type: {
    post: true, put: true,
    check: (v, a) => { if (typeof v !== 'string' || !VNIC_TYPES.includes(v)) throw invalidAttr(a, `'${String(v)}' is not in ${JSON.stringify(VNIC_TYPES)}`); return v; },
  },
  // Neutron's dict_or_none: a null profile is an empty one.
  profile: { post: true, put: true, check: (v, a) => (v === null ? {} : dict(v, a)) },
};

/** Neutron's policy: bindings are for the service calling on behalf of compute (and admins). */
function allowed(ctx: Caller, rule: string): void {
  if (!isAdmin(ctx) && !ctx.roles.includes('service')) throw policyDenied(rule);
}

const bindingNotFound = (portId: string, host: string): NeutronError =>
  new NeutronError(404, 'PortBindingNotFound', `Binding for port ${portId} for host ${host} could not be found.`);

export const inactiveOf = (p: Resource): StoredBinding[] => (p['inactive_bindings'] as StoredBinding[] | undefined) ?? [];

/** Hosts of the port's inactive bindings whose L2 agent has not wired them yet (a live migration's destination). */
export const inactiveAwaitingWiring = (p: Resource): string[] =>
  isL3Port(p) ? [] : inactiveOf(p).filter((b) => b.host !== '' && b.wired !== true).map((b) => b.host);

const VIF_DETAILS = { port_filter: true, connectivity: 'l2', bridge_name: 'br-int', datapath_type: 'system', ovs_hybrid_plug: false };

function view(b: StoredBinding, status: 'ACTIVE' | 'INACTIVE'): Record<string, unknown> {
  const bound = b.host !== '';
  return {
    host: b.host,
    vif_type: bound ? 'ovs' : 'unbound',
    vif_details: bound ? VIF_DETAILS : {},
    vnic_type: b.vnic_type,
    profile: b.profile,
    status,
  };
}

const activeOf = (p: Resource): StoredBinding => ({
  host: (p['binding:host_id'] as string | undefined) ?? '',
  vnic_type: (p['binding:vnic_type'] as string | undefined) ?? 'normal',
  profile: (p['binding:profile'] as Record<string, unknown> | undefined) ?? {},
});

function allBindings(p: Resource): Array<Record<string, unknown>> {
  return [view(activeOf(p), 'ACTIVE'), ...inactiveOf(p).map((b) => view(b, 'INACTIVE'))];
}

/** The port, when it is a compute (or shared file system) port. */
async function computePort(env: NetworkEnv, ctx: Caller, portId: string): Promise<Resource> {
  const { port } = await visiblePort(env, ctx, portId);
  const owner = port['device_owner'] as string;
  if (!owner.startsWith('compute:') && !owner.startsWith('manila:')) {
    throw badResourceRequest('port', `Invalid port ${portId}. Operation only valid on compute and shared filesystem ports`);
  }
  return port;
}

/**
 * Changes the port's bindings: `change` sees the port as it is and returns
 * what to write (or throws); a write to the port in between makes it look again.
 */
async function changeBindings<T>(env: NetworkEnv, ctx: Caller, portId: string, change: (port: Resource) => { changes: Record<string, unknown>; result: T } | { result: T }): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const port = await computePort(env, ctx, portId);
    const step = change(port);
    if (!('changes' in step)) return step.result;
    const next = revised(env, port, step.changes);
    if (await env.store.replace('network_ports', next)) {
      env.l2?.portWritten(port, next);
      return step.result;
    }
    if (attempt >= 5) throw new NeutronError(409, 'Conflict', `Port ${portId} was changed by another request; try again.`);
  }
}

export async function listBindings(env: NetworkEnv, ctx: Caller, portId: string): Promise<Array<Record<string, unknown>>> {
  allowed(ctx, 'get_port_binding');
  return allBindings(await computePort(env, ctx, portId));
}

export async function showBinding(env: NetworkEnv, ctx: Caller, portId: string, host: string): Promise<Record<string, unknown>> {
  allowed(ctx, 'get_port_binding');
  const b = allBindings(await computePort(env, ctx, portId)).find((x) => x['host'] === host);
  if (!b) throw bindingNotFound(portId, host);
  return b;
}

export async function createBinding(env: NetworkEnv, ctx: AuthContext, portId: string, body: unknown): Promise<Record<string, unknown>> {
  allowed(ctx, 'create_port_binding');
  const a = checkedAttributes(resourceBody(body, 'binding'), ATTRIBUTES, 'POST');
  const host = a['host'] as string;
  return changeBindings(env, ctx, portId, (port) => {
    const active = activeOf(port);
    if (active.host === host || inactiveOf(port).some((b) => b.host === host)) {
      throw new NeutronError(409, 'PortBindingAlreadyExists', `Binding for port ${portId} on host ${host} already exists.`);
    }
    // The port always has an active binding (unbound: host ''), so a new one is inactive, as in Neutron.
    const binding: StoredBinding = {
      host, vnic_type: (a['vnic_type'] as string | undefined) ?? active.vnic_type, profile: (a['profile'] as Record<string, unknown> | undefined) ?? {},
    };
    return { changes: { inactive_bindings: [...inactiveOf(port), binding] }, result: view(binding, 'INACTIVE') };
  });
}

export async function activateBinding(env: NetworkEnv, ctx: AuthContext, portId: string, host: string): Promise<Record<string, unknown>> {
  allowed(ctx, 'activate');
  return changeBindings(env, ctx, portId, (port) => {
    const active = activeOf(port);
    if (active.host === host) throw new NeutronError(409, 'PortBindingAlreadyActive', `Binding for port ${portId} on host ${host} is already active.`);
    const target = inactiveOf(port).find((b) => b.host === host);
    if (!target) throw bindingNotFound(portId, host);
    return {
      changes: {
        'binding:host_id': target.host,
        'binding:vnic_type': target.vnic_type,
        'binding:profile': target.profile,
        // The former active binding stays, wired where it was, so its agent does not plug it again.
        inactive_bindings: [...inactiveOf(port).filter((b) => b.host !== host), { ...active, wired: active.host !== '' && port['l2_host'] === active.host }],
        // The destination plugged its VIFs before the switch-over, so a port
        // wired there (or on the source) stays up (ACTIVE) on the destination;
        // one not wired yet is wired there by the L2 agent.
        ...((target.wired === true || (port['l2_host'] === active.host && active.host !== '')) && { l2_host: target.host }),
      },
      result: view(target, 'ACTIVE'),
    };
  });
}

/** Removes the host's binding; none there is no error, as in Neutron. Removing the active one leaves the port unbound. */
export async function deleteBinding(env: NetworkEnv, ctx: AuthContext, portId: string, host: string): Promise<void> {
  allowed(ctx, 'delete_port_binding');
  await changeBindings(env, ctx, portId, (port) => {
    if (activeOf(port).host === host && host !== '') return { changes: { 'binding:host_id': '', 'binding:profile': {}, l2_host: null }, result: undefined };
    if (inactiveOf(port).some((b) => b.host === host)) return { changes: { inactive_bindings: inactiveOf(port).filter((b) => b.host !== host) }, result: undefined };
    return { result: undefined };
  });
}
