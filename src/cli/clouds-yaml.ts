// The clouds.yaml that `serve` prints and writes, so `openstack --os-cloud`
// works against this deployment at once.
import YAML from 'yaml';
import type { Config } from '../config/config.js';
import { identityUrl } from '../identity/catalog.js';

const USERS: ReadonlyArray<{ cloud: string; user: string; project: string }> = [
  { cloud: 'magnetar-admin', user: 'admin', project: 'admin' },
  { cloud: 'magnetar', user: 'demo', project: 'demo' },
  { cloud: 'magnetar-alt', user: 'alt_demo', project: 'alt_demo' },
  { cloud: 'magnetar-manager', user: 'demo_manager', project: 'demo' },
  { cloud: 'magnetar-reader', user: 'demo_reader', project: 'demo' },
];

export function cloudsYaml(conf: Config): string {
  const clouds: Record<string, unknown> = {};
  for (const u of USERS) {
    clouds[u.cloud] = {
      auth: {
        auth_url: identityUrl(conf),
        username: u.user,
        password: conf.str('identity', `${u.user}_password`),
        project_name: u.project,
        user_domain_name: 'Default',
        project_domain_name: 'Default',
      },
      region_name: conf.str('magnetar', 'region'),
      interface: 'public',
      identity_api_version: 3,
    };
  }
  return YAML.stringify({ clouds });
}
