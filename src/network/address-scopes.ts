// Address scopes: a name for an address space of one IP version inside which
// addresses are routed without NAT. Subnet pools join one; pools of one
// scope may not overlap, and a scope with pools is kept. Any member creates
// them; only admins share them, and a shared scope stays shared.
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../identity/validator.js';
import { adminOnly, canSeeShareable, mayWrite, type Caller } from './access.js';
import { NeutronError, addressScopeNotFound } from './errors.js';
import { born, revised, type NetworkEnv } from './env.js';
import { bool, checkedAttributes, projectId, resourceBody, str, type AttributeSpec } from './request.js';
import type { NetworkStore, Resource } from './store.js';
import { ipVersion } from './subnets.js';

// Address scopes have none of the standard attributes (no description, timestamps or revision).
const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  name: { post: true, put: true, check: str(255) },
  tenant_id: { post: true, put: false, check: projectId },
  project_id: { post: true, put: false, check: projectId },
  shared: { post: true, put: true, check: bool },
  ip_version: { post: true, put: false, required: true, check: ipVersion },
};

export const ADDRESS_SCOPE_FIELDS = ['id', 'name', 'tenant_id', 'project_id', 'shared', 'ip_version'];

export const addressScopeView = (r: Resource): Record<string, unknown> => ({
  id: r.id,
  name: r['name'],
  tenant_id: r.project_id,
  project_id: r.project_id,
  shared: r['shared'],
  ip_version: r['ip_version'],
});

/** The scope as the caller may see it, else 404. */
export async function visibleAddressScope(env: NetworkEnv, ctx: Caller, id: string, s: NetworkStore = env.store): Promise<Resource> {
  const scope = await s.get('network_address_scopes', id);
  if (!scope || !canSeeShareable(ctx, scope)) throw addressScopeNotFound(id);
  return scope;
}

export async function createAddressScope(env: NetworkEnv, ctx: AuthContext, body: unknown): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'address_scope'), ATTRIBUTES, 'POST');
  const projectId = (a['project_id'] as string | undefined) ?? ctx.projectId;
  mayWrite(ctx, projectId, 'create_address_scope');
  if (a['shared'] === true) adminOnly(ctx, 'create_address_scope:shared');
  const scope: Resource = {
    ...born(env, randomUUID(), projectId),
    name: a['name'] ?? '',
    shared: a['shared'] ?? false,
    ip_version: a['ip_version'],
  };
  await env.store.insert('network_address_scopes', scope);
  return addressScopeView(scope);
}

export async function listAddressScopes(env: NetworkEnv, ctx: Caller): Promise<Record<string, unknown>[]> {
  return (await env.store.list('network_address_scopes')).filter((r) => canSeeShareable(ctx, r)).map(addressScopeView);
}

export async function updateAddressScope(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'address_scope'), ATTRIBUTES, 'PUT');
  for (let attempt = 0; ; attempt++) {
    const scope = await visibleAddressScope(env, ctx, id);
    mayWrite(ctx, scope.project_id, 'update_address_scope');
    if ('shared' in a) adminOnly(ctx, 'update_address_scope:shared');
    if (scope['shared'] === true && a['shared'] === false) {
      throw new NeutronError(400, 'AddressScopeUpdateError', `Unable to update address scope ${id} : Shared address scope can't be unshared.`);
    }
    const next = revised(env, scope, a);
    if (await env.store.replace('network_address_scopes', next)) return addressScopeView(next);
    if (attempt > 5) throw new NeutronError(409, 'Conflict', `Address scope ${id} was changed by another request; try again.`);
  }
}

export async function deleteAddressScope(env: NetworkEnv, ctx: AuthContext, id: string): Promise<void> {
  await env.store.transact(async (s) => {
    // A pool joining this scope waits for the delete, or the delete sees it joined.
    await s.lock('network_address_scopes', id);
    const scope = await visibleAddressScope(env, ctx, id, s);
    mayWrite(ctx, scope.project_id, 'delete_address_scope');
    if ((await s.list('network_subnetpools')).some((p) => p['address_scope_id'] === id)) {
      throw new NeutronError(409, 'AddressScopeInUse',
        `Unable to complete operation on address scope ${id}. There are one or more subnet pools in use on the address scope.`);
    }
    await s.remove('network_address_scopes', id);
  });
}
