// Extra DHCP options on ports: kept on create (IPv4 unless ip_version says
// otherwise), shown, listed and selected with `fields`; an update changes
// the options it names, removes those it names with a null value, adds new
// ones and keeps the rest; malformed options are a 400 that changes nothing
// and one option twice (same name and IP version) a 409.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

describe('network API: extra DHCP options', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  let networkId: string;
  const port = (body: Record<string, unknown>) => net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: networkId, ...body } } });
  const update = (id: string, body: Record<string, unknown>) => net('demo', 'PUT', `/v2.0/ports/${id}`, { body: { port: body } });
  const sorted = (opts: Array<{ opt_name: string; ip_version: number }>) =>
    [...opts].sort((a, b) => `${a.opt_name}/${a.ip_version}`.localeCompare(`${b.opt_name}/${b.ip_version}`));
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
    networkId = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'dhcp-opts' } } })).body.network.id;
    await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: networkId, ip_version: 4, cidr: '10.70.0.0/24' } } });
  });
  after(async () => cloud?.stop());

  it('is listed among the extensions', async () => {
    const ext = await net('demo', 'GET', '/v2.0/extensions/extra_dhcp_opt');
    assert.equal(ext.status, 200);
    assert.equal(ext.body.extension.name, 'Neutron Extra DHCP options');
  });

  it('keeps the options given, IPv4 unless said otherwise, and shows and lists them', async () => {
    const r = await port({
      name: 'pxe',
      extra_dhcp_opts: [
        { opt_name: 'bootfile-name', opt_value: 'pxelinux.0' },
        { opt_name: 'tftp-server', opt_value: '2001:db8::5', ip_version: 6 },
        { opt_name: 'router', opt_value: '' },
        { opt_name: 'server-ip-address', opt_value: null },
      ],
    });
    assert.equal(r.status, 201);
    const p = r.body.port;
    // A null value on create is no option at all.
    assert.deepEqual(sorted(p.extra_dhcp_opts), [
      { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 },
      { opt_name: 'router', opt_value: '', ip_version: 4 },
      { opt_name: 'tftp-server', opt_value: '2001:db8::5', ip_version: 6 },
    ]);
    assert.deepEqual(sorted((await net('demo', 'GET', `/v2.0/ports/${p.id}?fields=extra_dhcp_opts`)).body.port.extra_dhcp_opts), sorted(p.extra_dhcp_opts));
    const plain = (await port({ name: 'plain' })).body.port;
    assert.deepEqual(plain.extra_dhcp_opts, []);
    const listed = (await net('demo', 'GET', `/v2.0/ports?network_id=${networkId}&fields=name&fields=extra_dhcp_opts&sort_key=name&sort_dir=desc&limit=1`)).body;
    assert.equal(listed.ports.length, 1);
    assert.equal(listed.ports[0].name, 'pxe');
    assert.deepEqual(Object.keys(listed.ports[0]).sort(), ['extra_dhcp_opts', 'name']);
    assert.equal(listed.ports[0].extra_dhcp_opts.length, 3);
    assert.equal(listed.ports_links[0].rel, 'next');
  });

  it('updates the options named: changed, removed with a null value, added; the rest kept', async () => {
    const p = (await port({ extra_dhcp_opts: [{ opt_name: 'bootfile-name', opt_value: 'a.efi' }, { opt_name: 'tftp-server', opt_value: '10.70.0.9' }] })).body.port;
    const u = await update(p.id, {
      extra_dhcp_opts: [
        { opt_name: 'bootfile-name', opt_value: 'b.efi' },
        { opt_name: 'tftp-server', opt_value: null },
        { opt_name: 'bootfile-name', opt_value: 'b6.efi', ip_version: '6' },
      ],
    });
    assert.equal(u.status, 200);
    assert.deepEqual(sorted(u.body.port.extra_dhcp_opts), [
      { opt_name: 'bootfile-name', opt_value: 'b.efi', ip_version: 4 },
      { opt_name: 'bootfile-name', opt_value: 'b6.efi', ip_version: 6 },
    ]);
    assert.equal(u.body.port.revision_number, p.revision_number + 1);
    // Not named, or an empty list or null: nothing changes.
    for (const body of [{ name: 'renamed' }, { extra_dhcp_opts: [] }, { extra_dhcp_opts: null }]) {
      assert.deepEqual(sorted((await update(p.id, body)).body.port.extra_dhcp_opts), sorted(u.body.port.extra_dhcp_opts));
    }
    // Removing one the port does not have is no error.
    const none = await update(p.id, { extra_dhcp_opts: [{ opt_name: 'domain-search', opt_value: null }] });
    assert.equal(none.status, 200);
    assert.equal(none.body.port.extra_dhcp_opts.length, 2);
  });

  it('refuses malformed options with a 400 and one option twice with a 409, changing nothing', async () => {
    const p = (await port({ name: 'strict', extra_dhcp_opts: [{ opt_name: 'bootfile-name', opt_value: 'x.efi' }] })).body.port;
    const countPorts = async () => (await net('demo', 'GET', `/v2.0/ports?network_id=${networkId}`)).body.ports.length;
    const before = await countPorts();
    const cases: Array<[unknown, string]> = [
      ['bootfile-name', "Invalid input for operation: 'bootfile-name' is not a list."],
      [[{ opt_name: 'bootfile-name' }], "Invalid input for operation: No valid key specs matched for: {'opt_name': 'bootfile-name'}."],
      [[{ opt_name: 'bootfile-name', opt_value: 'a', colour: 'red' }], "Invalid input for operation: No valid key specs matched for: {'opt_name': 'bootfile-name', 'opt_value': 'a', 'colour': 'red'}."],
      [[{ opt_name: 'bootfile-name', opt_value: '' }], "Invalid input for operation: No valid key specs matched for: {'opt_name': 'bootfile-name', 'opt_value': ''}."],
      [[{ opt_name: '', opt_value: 'a' }], "Invalid input for operation: No valid key specs matched for: {'opt_name': '', 'opt_value': 'a'}."],
      [[{ opt_name: 'bootfile-name', opt_value: 'a\nb' }], "Invalid input for operation: No valid key specs matched for: {'opt_name': 'bootfile-name', 'opt_value': 'a\\nb'}."],
      [[{ opt_name: 'bootfile-name', opt_value: 'a', ip_version: 5 }], "Invalid input for operation: No valid key specs matched for: {'opt_name': 'bootfile-name', 'opt_value': 'a', 'ip_version': 5}."],
      [[{ opt_name: 'bootfile-name', opt_value: 'a', ip_version: 'six' }], "Invalid input for operation: 'six' is not an integer."],
      [[{ opt_name: 'x'.repeat(65), opt_value: 'a' }], `Invalid input for operation: No valid key specs matched for: {'opt_name': '${'x'.repeat(65)}', 'opt_value': 'a'}.`],
      [['bootfile-name'], "Invalid input for operation: No valid key specs matched for: bootfile-name."],
      [[{ opt_name: 'mtu', opt_value: '1400' }, { opt_name: 'mtu', opt_value: '1400' }], "Invalid input for operation: Duplicate items in the list: '{'opt_name': 'mtu', 'opt_value': '1400'}'."],
    ];
    for (const [opts, message] of cases) {
      for (const r of [await port({ extra_dhcp_opts: opts }), await update(p.id, { extra_dhcp_opts: opts })]) {
        assert.equal(r.status, 400, JSON.stringify(opts).slice(0, 80));
        assert.deepEqual(r.body.NeutronError, { type: 'InvalidInput', message, detail: '' });
      }
    }
    const twice = [{ opt_name: 'mtu', opt_value: '1400' }, { opt_name: 'mtu', opt_value: '1450' }];
    for (const r of [await port({ extra_dhcp_opts: twice }), await update(p.id, { extra_dhcp_opts: twice })]) {
      assert.equal(r.status, 409);
      assert.equal(r.body.NeutronError.type, 'NeutronDbObjectDuplicateEntry');
    }
    assert.equal(await countPorts(), before);
    const after = (await net('demo', 'GET', `/v2.0/ports/${p.id}`)).body.port;
    assert.deepEqual(after.extra_dhcp_opts, [{ opt_name: 'bootfile-name', opt_value: 'x.efi', ip_version: 4 }]);
    assert.equal(after.revision_number, p.revision_number);
  });
});
