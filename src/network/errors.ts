// Neutron's faults: a status and a `NeutronError` body naming the exception
// type, as its API answers them (`{"NeutronError": {"type", "message", "detail"}}`).
export class NeutronError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 413 | 503,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }

  body(): { NeutronError: { type: string; message: string; detail: string } } {
    return { NeutronError: { type: this.type, message: this.message, detail: '' } };
  }
}

export const badRequest = (message: string): NeutronError => new NeutronError(400, 'HTTPBadRequest', message);

/** An attribute that fails its validator: Neutron's "Invalid input for <attr>. Reason: …". */
export const invalidAttr = (attr: string, reason: string): NeutronError => badRequest(`Invalid input for ${attr}. Reason: ${reason}.`);

export const invalidInput = (message: string): NeutronError => new NeutronError(400, 'InvalidInput', `Invalid input for operation: ${message}.`);

/**
 * A refused policy check, named as oslo.policy prints the rule Neutron
 * built: the action alone, or with the attribute rule it adds
 * (`(rule:create_network and rule:create_network:shared)`).
 */
export function policyDenied(rule: string): NeutronError {
  const action = rule.split(':')[0]!;
  const checked = action === rule ? `rule:${rule}` : `(rule:${action} and rule:${rule})`;
  return new NeutronError(403, 'PolicyNotAuthorized', `${checked} is disallowed by policy`);
}

export const networkNotFound = (id: string): NeutronError => new NeutronError(404, 'NetworkNotFound', `Network ${id} could not be found.`);
export const subnetNotFound = (id: string): NeutronError => new NeutronError(404, 'SubnetNotFound', `Subnet ${id} could not be found.`);
export const portNotFound = (id: string): NeutronError => new NeutronError(404, 'PortNotFound', `Port ${id} could not be found.`);
export const securityGroupNotFound = (id: string): NeutronError => new NeutronError(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`);
export const securityGroupRuleNotFound = (id: string): NeutronError => new NeutronError(404, 'SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);

export const networkInUse = (id: string): NeutronError =>
  new NeutronError(409, 'NetworkInUse', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
export const subnetInUse = (id: string): NeutronError =>
  new NeutronError(409, 'SubnetInUse', `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`);
export const ipExhausted = (networkId: string): NeutronError =>
  new NeutronError(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${networkId}.`);
export const ipAlreadyAllocated = (ip: string, subnetId: string): NeutronError =>
  new NeutronError(409, 'IpAddressAlreadyAllocated', `IP address ${ip} already allocated in subnet ${subnetId}`);
export const macInUse = (networkId: string, mac: string): NeutronError =>
  new NeutronError(409, 'MacAddressInUse', `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`);

/** neutron-lib's BadRequest: "Bad <resource> request: <msg>." */
export const badResourceRequest = (resource: string, msg: string): NeutronError => new NeutronError(400, 'BadRequest', `Bad ${resource} request: ${msg}.`);

export const routerNotFound = (id: string): NeutronError => new NeutronError(404, 'RouterNotFound', `Router ${id} could not be found`);
export const floatingIpNotFound = (id: string): NeutronError => new NeutronError(404, 'FloatingIPNotFound', `Floating IP ${id} could not be found`);
export const routerInUse = (id: string, reason: string): NeutronError => new NeutronError(409, 'RouterInUse', `Router ${id} ${reason}`);
export const overQuota = (resources: readonly string[]): NeutronError =>
  new NeutronError(409, 'OverQuota', `Quota exceeded for resources: [${resources.map((r) => `'${r}'`).join(', ')}].`);
export const addressScopeNotFound = (id: string): NeutronError => new NeutronError(404, 'AddressScopeNotFound', `Address scope ${id} could not be found.`);
export const subnetPoolNotFound = (id: string): NeutronError => new NeutronError(404, 'SubnetPoolNotFound', `Subnet pool ${id} could not be found.`);
