// Direct HTTP access to a running Magnetar, used only to wait for the end of
// asynchronous work between client commands: a Python client start costs a
// second or more, an HTTP poll a few milliseconds.
import YAML from 'yaml';
import { logWarnings, serverHistory } from './server-history.js';

interface CloudAuth {
  auth_url: string;
  username: string;
  password: string;
  project_name: string;
}

export class ComputeHttp {
  private readonly clouds: Record<string, { auth: CloudAuth }>;
  private readonly tokens = new Map<string, { token: string; computeUrl: string }>();

  /**
   * `logs`, when given, reads the process's log: a wait that times out then
   * quotes its warnings and errors, so a failure far from its cause says why.
   */
  constructor(
    cloudsYamlText: string,
    private readonly logs?: () => string,
  ) {
    this.clouds = (YAML.parse(cloudsYamlText) as { clouds: Record<string, { auth: CloudAuth }> }).clouds;
  }

  private async login(cloud: string): Promise<{ token: string; computeUrl: string }> {
    const known = this.tokens.get(cloud);
    if (known) return known;
    const a = this.clouds[cloud]?.auth;
    if (!a) throw new Error(`unknown cloud ${cloud}`);
    const r = await fetch(`${a.auth_url}/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: a.username, domain: { id: 'default' }, password: a.password } } },
          scope: { project: { name: a.project_name, domain: { id: 'default' } } },
        },
      }),
    });
    if (r.status !== 201) throw new Error(`login of ${a.username} failed: ${r.status} ${await r.text()}`);
    const body = (await r.json()) as { token: { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> } };
    const compute = body.token.catalog.find((s) => s.type === 'compute')!.endpoints.find((e) => e.interface === 'public')!.url;
    const t = { token: r.headers.get('x-subject-token')!, computeUrl: compute };
    this.tokens.set(cloud, t);
    return t;
  }

  /** GET below the compute endpoint (e.g. `/servers/<id>`) at microversion `version`. */
  async get(cloud: string, path: string, version = 'latest'): Promise<{ status: number; body: any }> {
    const t = await this.login(cloud);
    const r = await fetch(`${t.computeUrl}${path}`, { headers: { 'X-Auth-Token': t.token, 'OpenStack-API-Version': `compute ${version}` } });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Any request below the compute endpoint, with a JSON body. */
  async request(cloud: string, method: string, path: string, body?: unknown, version = 'latest'): Promise<{ status: number; body: any }> {
    const t = await this.login(cloud);
    const r = await fetch(`${t.computeUrl}${path}`, {
      method,
      headers: { 'X-Auth-Token': t.token, 'OpenStack-API-Version': `compute ${version}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Polls a server (as admin) until `pred` holds; returns it, or fails with the last state seen. */
  async waitServer(id: string, pred: (s: any) => boolean, ms = 15_000): Promise<any> {
    const end = Date.now() + ms;
    let last: any;
    while (Date.now() < end) {
      const r = await this.get('magnetar-admin', `/servers/${id}`);
      last = r.status === 404 ? { gone: true } : r.body?.server;
      if (last && pred(last)) return last;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`server ${id} did not reach the expected state within ${ms} ms; last: ${JSON.stringify(last)}${await this.whatHappened(id)}`);
  }

  /** Polls the server's migrations list (os-migrations, as admin) until `pred` holds for it. */
  async waitMigrations(id: string, pred: (ms: any[]) => boolean, ms = 15_000): Promise<any[]> {
    const end = Date.now() + ms;
    let last: any;
    while (Date.now() < end) {
      const r = await this.get('magnetar-admin', `/os-migrations?instance_uuid=${id}`);
      last = r.body?.migrations;
      if (Array.isArray(last) && pred(last)) return last;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`migrations of ${id} did not reach the expected state within ${ms} ms; last: ${JSON.stringify(last)}${await this.whatHappened(id)}`);
  }

  /** The server's history and the log's warnings, for a wait that timed out. */
  private async whatHappened(id: string): Promise<string> {
    const parts = [...(await serverHistory((path) => this.get('magnetar-admin', path), id)), ...(this.logs ? logWarnings('magnetar', this.logs(), 40) : [])];
    return `\n${parts.join('\n')}`;
  }
}
