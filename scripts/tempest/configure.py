#!/usr/bin/python3
"""Writes the files a Tempest run against Magnetar needs.

  configure.py magnetar <workdir>   choose ports; write magnetar.conf (the
                                    admin Tempest makes its test projects and
                                    users with: dynamic credentials)
  configure.py tempest <workdir>    once Magnetar answers: look up the two
                                    seeded images and write etc/tempest.conf

State shared between the two steps lives in <workdir>/ports.json.
"""
import json
import os
import socket
import sys
import urllib.request

ADMIN_PASSWORD = 'tempest-secret'
STANDARD_PORTS = {'identity': 5000, 'compute': 8774, 'image': 9292, 'network': 9696}


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(('127.0.0.1', port))
            return True
        except OSError:
            return False


def any_free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def choose_ports():
    """The standard ports when all are free, else free ephemeral ones."""
    if all(port_free(p) for p in STANDARD_PORTS.values()):
        return dict(STANDARD_PORTS)
    ports = {}
    while len(set(ports.values())) < len(STANDARD_PORTS):
        ports = {name: any_free_port() for name in STANDARD_PORTS}
    return ports


def write_magnetar(workdir):
    ports = choose_ports()
    with open(os.path.join(workdir, 'ports.json'), 'w') as f:
        json.dump(ports, f)
    conf = f"""[DEFAULT]
state_path = {os.path.join(workdir, 'data')}
# Tempest confirms resizes itself and expects VERIFY_RESIZE to stay.
resize_confirm_window = 0

[magnetar]
bind_host = 127.0.0.1
identity_port = {ports['identity']}
compute_port = {ports['compute']}
image_port = {ports['image']}
network_port = {ports['network']}
# The operator console is not used by the client suites.
console_port = -1
compute_hosts = compute1,compute2,compute3

[filter_scheduler]
enabled_filters = ComputeFilter,AvailabilityZoneFilter,RamFilter,DiskFilter,CoreFilter,SameHostFilter,DifferentHostFilter,ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter

[identity]
admin_password = {ADMIN_PASSWORD}

[fake]
# Short simulated delays: Tempest polls every second, longer ones only slow it.
spawn_delay = 0.2
destroy_delay = 0.05
power_delay = 0.05
migrate_delay = 0.2
live_migration_delay = 0.3
precheck_delay = 0.02
"""
    with open(os.path.join(workdir, 'magnetar.conf'), 'w') as f:
        f.write(conf)
    print(json.dumps(ports))


def http_json(url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={'Content-Type': 'application/json', **(headers or {})})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.headers, json.loads(resp.read() or b'null')


def seeded_images(ports):
    """Ids of the seeded images, cirros first, as an admin sees them."""
    identity = f"http://127.0.0.1:{ports['identity']}/v3"
    auth = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': 'admin', 'domain': {'id': 'default'}, 'password': ADMIN_PASSWORD}}},
        'scope': {'project': {'name': 'admin', 'domain': {'id': 'default'}}}}}
    headers, _ = http_json(f'{identity}/auth/tokens', auth)
    token = headers['X-Subject-Token']
    _, body = http_json(f"http://127.0.0.1:{ports['image']}/v2/images", headers={'X-Auth-Token': token})
    images = sorted(body['images'], key=lambda i: (not i['name'].startswith('cirros'), i['name']))
    if len(images) < 2:
        sys.exit(f'expected two seeded images, found {[i["name"] for i in images]}')
    return images[0]['id'], images[1]['id']


def network_facts(ports):
    """The public network's id and the network service's extension aliases, as an admin sees them."""
    identity = f"http://127.0.0.1:{ports['identity']}/v3"
    auth = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': 'admin', 'domain': {'id': 'default'}, 'password': ADMIN_PASSWORD}}},
        'scope': {'project': {'name': 'admin', 'domain': {'id': 'default'}}}}}
    headers, _ = http_json(f'{identity}/auth/tokens', auth)
    token = {'X-Auth-Token': headers['X-Subject-Token']}
    network = f"http://127.0.0.1:{ports['network']}/v2.0"
    _, nets = http_json(f'{network}/networks?name=public', headers=token)
    _, exts = http_json(f'{network}/extensions', headers=token)
    return nets['networks'][0]['id'], ','.join(sorted(e['alias'] for e in exts['extensions']))


def write_tempest(workdir):
    with open(os.path.join(workdir, 'ports.json')) as f:
        ports = json.load(f)
    image, image_alt = seeded_images(ports)
    public_network, network_extensions = network_facts(ports)
    ws = os.path.join(workdir, 'workspace')
    conf = f"""[DEFAULT]
debug = true
log_dir = {ws}
log_file = tempest.log

[auth]
# Tempest makes a project and user for each test class through the identity
# API, as admin, and deletes them afterwards.
use_dynamic_credentials = true
admin_username = admin
admin_password = {ADMIN_PASSWORD}
admin_project_name = admin
admin_domain_name = Default
default_credentials_domain_name = Default
# Each test project gets a network, a subnet and a router to the public
# network, made through the network service, as on a devstack.
create_isolated_networks = true

[identity]
uri_v3 = http://127.0.0.1:{ports['identity']}/v3
auth_version = v3
region = RegionOne
admin_role = admin

[identity-feature-enabled]
api_v2 = false
api_v3 = true

[compute]
image_ref = {image}
image_ref_alt = {image_alt}
flavor_ref = 1
flavor_ref_alt = 2
build_interval = 1
build_timeout = 60
ready_wait = 0
min_compute_nodes = 3
min_microversion = 2.1
max_microversion = latest
region = RegionOne

[compute-feature-enabled]
live_migration = true
live_migrate_back_and_forth = true
block_migration_for_live_migration = true
can_migrate_between_any_hosts = true
cold_migration = true
resize = true
pause = true
suspend = true
enable_instance_password = true
disk_config = true
scheduler_enabled_filters = ComputeFilter,AvailabilityZoneFilter,RamFilter,DiskFilter,CoreFilter,SameHostFilter,DifferentHostFilter,ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter
# The fake guests keep a serial console log.
console_output = true
# Servers' metadata is writable (Tempest gates its metadata tests on this
# flag; the resetNetwork test it also enables is excluded: Nova answers 410).
xenapi_apis = true
# Snapshots and backups (createImage, createBackup) go to the embedded image service.
snapshot = true
# Shelve saves the guest's disk to the embedded image service; shelved
# servers are offloaded at once ([DEFAULT] shelved_offload_time = 0, as
# Tempest's [compute] shelved_offload_time expects).
shelve = true
# Rescue boots the guest from a rescue image and back; personality files
# (below 2.57) are kept with the server.
rescue = true
personality = true
# os-interface attaches and detaches the network service's ports.
interface_attach = true
# Outside Magnetar's scope: no console proxy (the console URLs are made,
# nothing answers on them), no volumes, no guest networking (shelve_migrate
# gates a scenario that logs into the guest).
vnc_console = false
spice_console = false
serial_console = false
change_password = false
shelve_migrate = false
metadata_service = false
config_drive = false
attach_encrypted_volume = false
swap_volume = false
volume_backed_live_migration = false
volume_multiattach = false
block_migrate_cinder_iscsi = false
hostname_fqdn_sanitization = false

[image]
region = RegionOne
build_interval = 1
build_timeout = 60

[image-feature-enabled]
api_v2 = true
api_v1 = false
import_image = false

[service_available]
nova = true
glance = true
neutron = true
cinder = false
swift = false
heat = false
horizon = false

[network]
public_network_id = {public_network}
floating_network_name = public
project_network_cidr = 10.100.0.0/16
project_network_mask_bits = 28
# Guests are simulated: nothing answers on their addresses.
project_networks_reachable = false

[network-feature-enabled]
# What the network service lists in /v2.0/extensions.
api_extensions = {network_extensions}
ipv6 = false

[validation]
run_validation = false
"""
    os.makedirs(os.path.join(ws, 'etc'), exist_ok=True)
    with open(os.path.join(ws, 'etc', 'tempest.conf'), 'w') as f:
        f.write(conf)
    print(f'image_ref={image} image_ref_alt={image_alt}')


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] not in ('magnetar', 'tempest'):
        sys.exit(__doc__)
    os.makedirs(sys.argv[2], exist_ok=True)
    (write_magnetar if sys.argv[1] == 'magnetar' else write_tempest)(sys.argv[2])
