// Runs the real Debian command-line clients (`openstack` from
// python3-openstackclient, `nova` from python3-novaclient) against a Magnetar
// whose clouds.yaml is given. Every command runs with --debug so that a
// failure message can show the HTTP exchange the client had.
import { spawn } from 'node:child_process';
import YAML from 'yaml';

export interface CliResult {
  readonly command: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Compute microversion (--os-compute-api-version). */
  readonly version?: string;
  /** Milliseconds before the command is killed. */
  readonly timeoutMs?: number;
}

interface CloudAuth {
  auth_url: string;
  username: string;
  password: string;
  project_name: string;
  user_domain_name: string;
  project_domain_name: string;
}

/** Environment without any OS_* variable of the caller, so only our clouds.yaml counts. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('OS_')) env[k] = v;
  env['PYTHONWARNINGS'] = 'ignore';
  return env;
}

/** The client's HTTP exchange from its --debug log: the REQ/RESP lines and the error it ended with. */
export function exchange(r: CliResult): string {
  const lines = r.stderr.split('\n');
  const http = lines.filter((l) => /^(REQ: |RESP: |RESP BODY: )/.test(l)).map((l) => (l.length > 700 ? `${l.slice(0, 700)}...` : l));
  const end = lines.filter((l) => /^clean_up |^ERROR |^END return value/.test(l));
  return [...http.slice(-12), ...(end.length ? end : lines.filter((l) => l.trim() !== '').slice(-3))].join('\n');
}

/** A one-paragraph description of a finished command for assertion messages. */
export function describe(r: CliResult): string {
  return `\$ ${r.command}\nexit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\n--- client debug log (excerpt):\n${exchange(r)}`;
}

/** Asserts that a command failed (exit code not 0) with stderr matching `pattern`. */
export function assertRefused(r: CliResult, pattern: RegExp): void {
  if (r.code === 0 || !pattern.test(r.stderr)) {
    throw new Error(`expected the command to fail with ${pattern}\n${describe(r)}`);
  }
}

export class CliRunner {
  private readonly clouds: Record<string, { auth: CloudAuth }>;

  constructor(
    readonly cloudsFile: string,
    cloudsYamlText: string,
  ) {
    this.clouds = (YAML.parse(cloudsYamlText) as { clouds: Record<string, { auth: CloudAuth }> }).clouds;
  }

  /** `openstack --os-cloud <cloud> [--os-compute-api-version v] <args>`; never throws on exit code. */
  openstack(cloud: string, args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
    const env = { ...cleanEnv(), OS_CLIENT_CONFIG_FILE: this.cloudsFile };
    const full = ['--debug', '--os-cloud', cloud, ...(o.version ? ['--os-compute-api-version', o.version] : []), ...args];
    return run('openstack', full, env, o.timeoutMs);
  }

  /** Like openstack() but the command must succeed (exit 0). */
  async ok(cloud: string, args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
    const r = await this.openstack(cloud, args, o);
    if (r.code !== 0) throw new Error(`command failed\n${describe(r)}`);
    return r;
  }

  /** Runs with `-f json` (must succeed) and parses the output. */
  async json(cloud: string, args: readonly string[], o: CliOptions = {}): Promise<any> {
    const r = await this.ok(cloud, [...args, '-f', 'json'], o);
    try {
      return JSON.parse(r.stdout);
    } catch {
      throw new Error(`output is not JSON\n${describe(r)}`);
    }
  }

  /**
   * `openstack <args>` (must succeed, `-f json`) as a user clouds.yaml does not
   * know, with `cloud`'s identity endpoint: a user made through the identity API.
   */
  async jsonAs(cloud: string, user: { name: string; password: string; project: string }, args: readonly string[], o: CliOptions = {}): Promise<any> {
    const c = this.clouds[cloud];
    if (!c) throw new Error(`no cloud ${cloud} in ${this.cloudsFile}`);
    const env = {
      ...cleanEnv(),
      OS_AUTH_URL: c.auth.auth_url,
      OS_USERNAME: user.name,
      OS_PASSWORD: user.password,
      OS_PROJECT_NAME: user.project,
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_IDENTITY_API_VERSION: '3',
    };
    const r = await run('openstack', ['--debug', ...args, '-f', 'json'], env, o.timeoutMs);
    if (r.code !== 0) throw new Error(`command failed\n${describe(r)}`);
    return JSON.parse(r.stdout);
  }

  /** `nova <args>` authenticated as the user of `cloud` (novaclient does not read clouds.yaml). */
  nova(cloud: string, args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
    const c = this.clouds[cloud];
    if (!c) throw new Error(`no cloud ${cloud} in ${this.cloudsFile}`);
    const env = {
      ...cleanEnv(),
      OS_AUTH_URL: c.auth.auth_url,
      OS_USERNAME: c.auth.username,
      OS_PASSWORD: c.auth.password,
      OS_PROJECT_NAME: c.auth.project_name,
      OS_USER_DOMAIN_NAME: c.auth.user_domain_name,
      OS_PROJECT_DOMAIN_NAME: c.auth.project_domain_name,
      OS_IDENTITY_API_VERSION: '3',
    };
    const full = ['--debug', ...(o.version ? ['--os-compute-api-version', o.version] : []), ...args];
    return run('nova', full, env, o.timeoutMs);
  }
}

function run(cmd: string, args: readonly string[], env: Record<string, string>, timeoutMs = 90_000): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ command: [cmd, ...args].join(' '), code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}
