// The API extensions this network service serves, as GET /v2.0/extensions
// lists them: only what it implements.
export interface Extension {
  readonly alias: string;
  readonly name: string;
  readonly description: string;
  readonly updated: string;
}

export const EXTENSIONS: readonly Extension[] = [
  { alias: 'address-scope', name: 'Address scope', description: 'Address scopes extension.', updated: '2015-07-26T10:00:00-00:00' },
  { alias: 'allowed-address-pairs', name: 'Allowed Address Pairs', description: 'Provides allowed address pairs', updated: '2013-07-23T10:00:00-00:00' },
  { alias: 'auto-allocated-topology', name: 'Auto Allocated Topology Services', description: 'Auto Allocated Topology Services.', updated: '2016-01-01T00:00:00-00:00' },
  { alias: 'binding-extended', name: 'Port Bindings Extended', description: 'Expose port bindings of a virtual port to external application', updated: '2017-07-17T10:00:00-00:00' },
  { alias: 'binding', name: 'Port Binding', description: 'Expose port bindings of a virtual port to external application', updated: '2014-02-03T10:00:00-00:00' },
  { alias: 'default-subnetpools', name: 'Default Subnetpools', description: 'Provides ability to mark and use a subnetpool as the default.', updated: '2016-02-18T18:00:00-00:00' },
  { alias: 'ext-gw-mode', name: 'Neutron L3 Configurable external gateway mode', description: 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway', updated: '2013-03-28T10:00:00-00:00' },
  { alias: 'extra_dhcp_opt', name: 'Neutron Extra DHCP options', description: 'Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)', updated: '2013-03-17T12:00:00-00:00' },
  { alias: 'extraroute', name: 'Neutron Extra Route', description: 'Extra routes configuration for L3 router', updated: '2013-02-01T10:00:00-00:00' },
  { alias: 'external-net', name: 'Neutron external network', description: 'Adds external network attribute to network resource.', updated: '2013-01-14T10:00:00-00:00' },
  { alias: 'filter-validation', name: 'Filter parameters validation', description: 'Provides validation on filter parameters.', updated: '2018-03-21T10:00:00-00:00' },
  { alias: 'ip-substring-filtering', name: 'IP address substring filtering', description: 'Provides IP address substring filtering when listing ports', updated: '2017-11-28T09:00:00-00:00' },
  { alias: 'net-mtu', name: 'Network MTU', description: 'Provides MTU attribute for a network resource.', updated: '2015-03-25T10:00:00-00:00' },
  { alias: 'network_availability_zone', name: 'Network Availability Zone', description: 'Availability zone support for network.', updated: '2015-01-01T10:00:00-00:00' },
  { alias: 'pagination', name: 'Pagination support', description: 'Extension that indicates that pagination is enabled.', updated: '2016-06-12T00:00:00-00:00' },
  { alias: 'port-security', name: 'Port Security', description: 'Provides port security', updated: '2012-07-23T10:00:00-00:00' },
  { alias: 'project-id', name: 'project_id field enabled', description: 'Extension that indicates that project_id field is enabled.', updated: '2016-09-09T09:09:09-09:09' },
  { alias: 'quota_details', name: 'Quota details management support', description: 'Expose functions for quotas usage statistics per project', updated: '2017-02-10T10:00:00-00:00' },
  { alias: 'quotas', name: 'Quota management support', description: 'Expose functions for quotas management per project', updated: '2012-07-29T10:00:00-00:00' },
  { alias: 'router', name: 'Neutron L3 Router', description: 'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.', updated: '2012-07-20T10:00:00-00:00' },
  { alias: 'security-group', name: 'security-group', description: 'The security groups extension.', updated: '2012-10-05T10:00:00-00:00' },
  { alias: 'sorting', name: 'Sorting support', description: 'Extension that indicates that sorting is enabled.', updated: '2016-06-12T00:00:00-00:00' },
  { alias: 'standard-attr-description', name: 'standard-attr-description', description: 'Extension to add descriptions to standard attributes', updated: '2016-02-10T10:00:00-00:00' },
  { alias: 'standard-attr-revisions', name: 'Resource revision numbers', description: 'This extension will display the revision number of neutron resources.', updated: '2016-04-11T10:00:00-00:00' },
  { alias: 'standard-attr-tag', name: 'Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip', description: 'Enables to set tag on resources with standard attribute.', updated: '2017-01-01T00:00:00-00:00' },
  { alias: 'standard-attr-timestamp', name: 'Resource timestamps', description: 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.', updated: '2016-09-12T10:00:00-00:00' },
  { alias: 'subnet_allocation', name: 'Subnet Allocation', description: 'Enables allocation of subnets from a subnet pool', updated: '2015-03-30T10:00:00-00:00' },
  { alias: 'subnetpool-prefix-ops', name: 'Subnet Pool Prefix Operations', description: 'Provides support for adjusting the prefix list of subnet pools', updated: '2019-02-08T10:00:00-00:00' },
  { alias: 'stateful-security-group', name: 'Stateful security group', description: 'Indicates if the security group is stateful or not', updated: '2019-11-26T09:00:00-00:00' },
];

export const extensionView = (e: Extension): Record<string, unknown> => ({ ...e, links: [] });
