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


def main(workdir):
    with open(os.path.join(workdir, 'ports.json')) as f:
        ports = configure.json.load(f)
    image, _ = configure.seeded_images(ports)
    env = {
        'OS_AUTH_URL': f"http://127.0.0.1:{ports['identity']}/v3",
        'OS_USERNAME': 'admin',
        'OS_PASSWORD': configure.ADMIN_PASSWORD,
        'OS_PROJECT_NAME': 'admin',
        'OS_DOMAIN_ID': 'default',
        'OS_REGION_NAME': 'RegionOne',
        'OS_IMAGE_ID': image,
        'OS_FLAVOR_ID': '1',
        'OS_FLAVOR_ID_RESIZE': '2',
        # Required by the helpers even where unused; only the floating IP
        # tests (nova-network only, skipped without OS_NOVANET) read them.
        'OS_POOL_NAME': 'public',
        'OS_EXTGW_ID': 'none',
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
