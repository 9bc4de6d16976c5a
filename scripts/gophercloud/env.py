#!/usr/bin/python3
"""Prints the environment gophercloud's acceptance tests read (OS_* variables)
for the Magnetar whose ports configure.py wrote into <workdir>/ports.json.

  env.py <workdir>
"""
import os
import shlex
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tempest'))
import configure  # noqa: E402  (shares the port choice and the seeded image look-up)


# The flavors gophercloud's own CI creates on its devstack (script/stackenv):
# with ephemeral disk, which its boot-from-ephemeral test needs (Nova refuses
# ephemeral disks beyond the flavor's, and the default flavors have none).
ACCTEST_FLAVORS = [
    {'name': 'm1.acctest', 'id': '99', 'ram': 512, 'disk': 10, 'vcpus': 1, 'OS-FLV-EXT-DATA:ephemeral': 10},
    {'name': 'm1.resize', 'id': '98', 'ram': 512, 'disk': 11, 'vcpus': 1, 'OS-FLV-EXT-DATA:ephemeral': 10},
]


def ensure_flavors(ports):
    identity = f"http://127.0.0.1:{ports['identity']}/v3"
    auth = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': 'admin', 'domain': {'id': 'default'}, 'password': configure.ADMIN_PASSWORD}}},
        'scope': {'project': {'name': 'admin', 'domain': {'id': 'default'}}}}}
    headers, _ = configure.http_json(f'{identity}/auth/tokens', auth)
    token = {'X-Auth-Token': headers['X-Subject-Token']}
    compute = f"http://127.0.0.1:{ports['compute']}/v2.1"
    for flavor in ACCTEST_FLAVORS:
        try:
            configure.http_json(f"{compute}/flavors/{flavor['id']}", headers=token)
        except configure.urllib.error.HTTPError:
            configure.http_json(f'{compute}/flavors', {'flavor': flavor}, headers=token)


def main(workdir):
    with open(os.path.join(workdir, 'ports.json')) as f:
        ports = configure.json.load(f)
    image, _ = configure.seeded_images(ports)
    ensure_flavors(ports)
    public_network, _ = configure.network_facts(ports)
    env = {
        'OS_AUTH_URL': f"http://127.0.0.1:{ports['identity']}/v3",
        'OS_USERNAME': 'admin',
        'OS_PASSWORD': configure.ADMIN_PASSWORD,
        'OS_PROJECT_NAME': 'admin',
        'OS_DOMAIN_ID': 'default',
        'OS_REGION_NAME': 'RegionOne',
        'OS_IMAGE_ID': image,
        'OS_FLAVOR_ID': ACCTEST_FLAVORS[0]['id'],
        'OS_FLAVOR_ID_RESIZE': ACCTEST_FLAVORS[1]['id'],
        # The floating IP pool (an external network) and the network servers boot on.
        'OS_POOL_NAME': 'public',
        'OS_EXTGW_ID': public_network,
        'OS_NETWORK_NAME': 'private',
        # Magnetar's fake hypervisor migrates live between its hosts.
        'OS_LIVE_MIGRATE': '1',
    }
    for name, value in env.items():
        print(f'export {name}={shlex.quote(value)}')


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
