// Credentials for Magnetar's operator commands, taken as the `openstack`
// client takes them: a cloud named by --os-cloud or OS_CLOUD, read from the
// first clouds.yaml found where openstacksdk looks (OS_CLIENT_CONFIG_FILE,
// ./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml);
// then OS_* variables over it, then --os-* options over those.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import type { PasswordCredentials } from '../identity/keystone-session.js';

/** The --os-* options, as commander names them. */
export interface OsOptions {
  readonly osCloud?: string;
  readonly osAuthUrl?: string;
  readonly osUsername?: string;
  readonly osUserId?: string;
  readonly osPassword?: string;
  readonly osProjectName?: string;
  readonly osProjectId?: string;
  readonly osUserDomainName?: string;
  readonly osUserDomainId?: string;
  readonly osProjectDomainName?: string;
  readonly osProjectDomainId?: string;
  readonly osRegionName?: string;
  readonly osInterface?: string;
}

/** What Keystone v3 password authentication and the catalog lookup need. */
export type OsCredentials = PasswordCredentials;

/** Credentials cannot be put together (no cloud, unknown cloud, a value missing). */
export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsError';
  }
}

type Fields = { -readonly [K in keyof OsCredentials]?: string };

/** Where openstacksdk looks for clouds.yaml, in its order. */
export function cloudsYamlCandidates(env: NodeJS.ProcessEnv, cwd: string, home: string): string[] {
  const out: string[] = [];
  const explicit = env['OS_CLIENT_CONFIG_FILE'];
  if (explicit) out.push(resolve(cwd, explicit));
  for (const dir of [cwd, join(home, '.config', 'openstack'), '/etc/openstack']) out.push(join(dir, 'clouds.yaml'), join(dir, 'clouds.yml'));
  return out;
}

/** clouds.yaml keys (under `auth`, and beside it) → our fields. */
const AUTH_KEYS: Readonly<Record<string, keyof OsCredentials>> = {
  auth_url: 'authUrl',
  username: 'username',
  user_id: 'userId',
  password: 'password',
  project_name: 'projectName',
  tenant_name: 'projectName',
  project_id: 'projectId',
  tenant_id: 'projectId',
  user_domain_name: 'userDomainName',
  user_domain_id: 'userDomainId',
  project_domain_name: 'projectDomainName',
  project_domain_id: 'projectDomainId',
};

const ENV_KEYS: Readonly<Record<string, keyof OsCredentials>> = {
  OS_AUTH_URL: 'authUrl',
  OS_USERNAME: 'username',
  OS_USER_ID: 'userId',
  OS_PASSWORD: 'password',
  OS_TENANT_NAME: 'projectName',
  OS_PROJECT_NAME: 'projectName',
  OS_TENANT_ID: 'projectId',
  OS_PROJECT_ID: 'projectId',
  OS_USER_DOMAIN_NAME: 'userDomainName',
  OS_USER_DOMAIN_ID: 'userDomainId',
  OS_PROJECT_DOMAIN_NAME: 'projectDomainName',
  OS_PROJECT_DOMAIN_ID: 'projectDomainId',
  OS_REGION_NAME: 'regionName',
  OS_INTERFACE: 'interface',
};

const OPTION_KEYS: ReadonlyArray<[keyof OsOptions, keyof OsCredentials]> = [
  ['osAuthUrl', 'authUrl'],
  ['osUsername', 'username'],
  ['osUserId', 'userId'],
  ['osPassword', 'password'],
  ['osProjectName', 'projectName'],
  ['osProjectId', 'projectId'],
  ['osUserDomainName', 'userDomainName'],
  ['osUserDomainId', 'userDomainId'],
  ['osProjectDomainName', 'projectDomainName'],
  ['osProjectDomainId', 'projectDomainId'],
  ['osRegionName', 'regionName'],
  ['osInterface', 'interface'],
];

function fromCloud(name: string, env: NodeJS.ProcessEnv, cwd: string, home: string): Fields {
  const file = cloudsYamlCandidates(env, cwd, home).find((f) => existsSync(f));
  if (file === undefined) throw new CredentialsError(`Cloud ${name} was not found: no clouds.yaml (set OS_CLIENT_CONFIG_FILE, or put one in ./, ~/.config/openstack/ or /etc/openstack/)`);
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CredentialsError(`${file} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const clouds = (doc as { clouds?: Record<string, unknown> } | null)?.clouds;
  const cloud = clouds?.[name] as Record<string, unknown> | undefined;
  if (cloud === undefined || cloud === null || typeof cloud !== 'object') throw new CredentialsError(`Cloud ${name} was not found in ${file}`);
  const out: Fields = {};
  const auth = (cloud['auth'] ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(auth)) {
    const field = AUTH_KEYS[k];
    if (field !== undefined && v !== null && v !== undefined) out[field] = String(v);
  }
  if (cloud['region_name'] !== undefined && cloud['region_name'] !== null) out.regionName = String(cloud['region_name']);
  if (cloud['interface'] !== undefined && cloud['interface'] !== null) out.interface = String(cloud['interface']);
  return out;
}

/** Puts credentials together from the cloud, the environment and the options, later ones winning. */
export function resolveCredentials(opts: OsOptions, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), home = homedir()): OsCredentials {
  const cloudName = opts.osCloud ?? env['OS_CLOUD'];
  const f: Fields = cloudName ? fromCloud(cloudName, env, cwd, home) : {};
  for (const [k, field] of Object.entries(ENV_KEYS)) {
    const v = env[k];
    if (v !== undefined && v !== '') f[field] = v;
  }
  for (const [opt, field] of OPTION_KEYS) {
    const v = opts[opt];
    if (v !== undefined && v !== '') f[field] = v;
  }
  const missing = (what: string): CredentialsError =>
    new CredentialsError(`Missing value ${what}: give --os-cloud (or OS_CLOUD) with a clouds.yaml, or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME`);
  if (!f.authUrl) throw missing('auth-url');
  if (!f.username && !f.userId) throw missing('username');
  if (f.password === undefined) throw missing('password');
  if (!f.projectName && !f.projectId) throw missing('project-name');
  return { ...f, authUrl: f.authUrl, password: f.password, interface: (f.interface ?? 'public').replace(/URL$/, '') };
}
