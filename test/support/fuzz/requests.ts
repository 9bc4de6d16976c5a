// Generates compute API requests from a seed: any endpoint, real or garbage
// ids in the path, odd query strings, microversion, content-type and accept
// headers, tokens of every kind, and valid, mutated or broken bodies.
//
// A request that could change something (POST, PUT, DELETE) either carries a
// defect that the API must refuse whatever else the request says (no valid
// token, a bad microversion, a content type or body it cannot read, a body
// its schema refuses, an id that names nothing, a bad URL), so that its
// answer must be a 4xx and the database must not move; or, for the endpoints
// whose success changes only rows at once (no work left running), it may be
// sent valid and succeed.
import { HttpFault } from '../../../src/api/faults.js';
import { MIN_VERSION, negotiate, requestedVersion, type ApiVersion } from '../../../src/api/microversion.js';
import { parseJsonBody } from '../../../src/api/request-input.js';
import { validateBody } from '../../../src/api/validation.js';
import type { FuzzFixture, TokenKind } from './fixture.js';
import type { Random } from './random.js';
import type { Endpoint } from './routes.js';
import { validBody } from './templates.js';
import { ODD_NUMBERS, ODD_STRINGS, mutate, oddValue, type Json } from './values.js';

export interface FuzzRequest {
  readonly method: string;
  /** Path and query below the compute API's base URL, from `/v2`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer<ArrayBuffer>;
  /** POST, PUT or DELETE on a route that has one. */
  readonly mutating: boolean;
  /** The defect the API must refuse the request for, or null when it may succeed. */
  readonly mustReject: string | null;
}

/** Endpoints whose success changes rows at once and leaves no work running. */
const SETTLES_AT_ONCE = new Set([
  'PUT /servers/:server_id',
  'POST /servers/:server_id/action lock',
  'POST /servers/:server_id/action unlock',
  'POST /servers/:server_id/action os-resetState',
  'POST /flavors',
  'PUT /flavors/:flavor_id',
  'DELETE /flavors/:flavor_id',
  'POST /flavors/:flavor_id/action addTenantAccess',
  'POST /flavors/:flavor_id/action removeTenantAccess',
  'POST /flavors/:flavor_id/os-extra_specs',
  'PUT /flavors/:flavor_id/os-extra_specs/:key',
  'DELETE /flavors/:flavor_id/os-extra_specs/:key',
  'POST /os-keypairs',
  'DELETE /os-keypairs/:keypair_name',
  'PUT /os-services/:service_id',
  'POST /os-aggregates',
  'PUT /os-aggregates/:aggregate_id',
  'DELETE /os-aggregates/:aggregate_id',
  'POST /os-aggregates/:aggregate_id/action add_host',
  'POST /os-aggregates/:aggregate_id/action remove_host',
  'POST /os-aggregates/:aggregate_id/action set_metadata',
  'POST /os-aggregates/:aggregate_id/images',
  'PUT /os-quota-sets/:id',
  'DELETE /os-quota-sets/:id',
  'PUT /os-quota-class-sets/:id',
  'POST /magnetar/faults',
  'DELETE /magnetar/faults/:fault_id',
  'DELETE /magnetar/faults',
]);

/** Path parameters whose garbage value names nothing, so the API must answer 4xx. */
const NAMES_A_RECORD = new Set(['server_id', 'flavor_id', 'keypair_name', 'service_id', 'hypervisor_id', 'migration_id', 'request_id', 'fault_id', 'aggregate_id']);

const ACCEPTED_TYPES = new Set(['', 'application/json', 'application/vnd.openstack.compute+json', 'text/plain']);
const BAD_URL_PIECES = ['%00', '%ff', '%zz', '%C3', '%ED%A0%80', 'a%00b'];
const INVALID_KINDS: readonly TokenKind[] = ['none', 'garbage', 'expired', 'tampered'];

const endpointKey = (ep: Endpoint): string => `${ep.method} ${ep.path}${ep.action !== undefined ? ` ${ep.action}` : ''}`;
const isMutating = (method: string): boolean => method === 'POST' || method === 'PUT' || method === 'DELETE';

type Dimension = 'body' | 'params' | 'query' | 'token' | 'version' | 'contentType' | 'method' | 'prefix';

/** The parts of a request before they become a URL, headers and body. */
interface Draft {
  ep: Endpoint;
  method: string;
  prefix: '/v2.1' | '/v2';
  projectSegment: { value: string; kind: 'own' | 'other' | 'bad' } | null;
  params: Array<{ name: string; value: string; garbage: boolean; raw: boolean }>;
  query: Array<{ key: string; value: string; raw: boolean }>;
  token: TokenKind;
  versionHeaders: Record<string, string>;
  contentType: string | null;
  accept: string | null;
  body: { kind: 'json'; value: Json | undefined } | { kind: 'raw'; bytes: Buffer<ArrayBuffer> } | null;
}

export class RequestGenerator {
  private readonly actionsOf = new Map<string, Set<string>>();
  private readonly safe: Endpoint[];

  constructor(
    private readonly r: Random,
    private readonly endpoints: readonly Endpoint[],
    private readonly f: FuzzFixture,
  ) {
    for (const ep of endpoints) {
      if (ep.action === undefined) continue;
      const names = this.actionsOf.get(ep.path) ?? new Set<string>();
      names.add(ep.action);
      this.actionsOf.set(ep.path, names);
    }
    this.safe = endpoints.filter((ep) => ep.method === 'GET' || SETTLES_AT_ONCE.has(endpointKey(ep)));
  }

  /** A request whose change, if it has one, must be refused. */
  rejected(): FuzzRequest {
    const d = this.draft(this.r.pick(this.endpoints));
    if (isMutating(d.method)) {
      for (let i = 0; i < 20 && this.defect(d) === null; i++) this.inject(d);
      if (this.defect(d) === null) d.token = this.r.pick(INVALID_KINDS);
    }
    return this.build(d);
  }

  /** A request to a read or a settle-at-once endpoint, valid more often than not; it may succeed. */
  mayChange(): FuzzRequest {
    const d = this.draft(this.r.pick(this.safe), true);
    return this.build(d);
  }

  /**
   * A request to `ep` that is odd in a few of its parts and ordinary in the
   * others, so that most requests get past the first check they could fail
   * and reach the deeper ones.
   */
  private draft(ep: Endpoint, mostlyValid = false): Draft {
    const r = this.r;
    const takesBody = ep.method === 'POST' || ep.method === 'PUT';
    const dims: Array<[number, Dimension]> = [
      [takesBody ? 5 : 0, 'body'],
      [3, 'params'],
      [takesBody ? 2 : 5, 'query'],
      [1, 'token'],
      [takesBody ? 1 : 2, 'version'],
      [takesBody ? 1 : 0, 'contentType'],
      [0.3, 'method'],
      [0.5, 'prefix'],
    ];
    const howMany = mostlyValid ? r.weighted([[6, 0], [3, 1], [1, 2]]) : r.weighted([[1, 0], [5, 1], [3, 2], [1, 3]]);
    const odd = new Set<Dimension>();
    for (let i = 0; i < howMany; i++) odd.add(r.weighted(dims.filter(([, d]) => !odd.has(d))));

    const method = odd.has('method') ? r.pick(ep.method === 'GET' ? ['HEAD', 'PATCH', 'OPTIONS'] : ['PATCH', 'OPTIONS']) : ep.method;
    const token: TokenKind = odd.has('token')
      ? r.pick(INVALID_KINDS)
      : r.weighted<TokenKind>([[5, 'admin'], [4, 'member'], [2, 'reader'], [1, 'manager'], [2, 'other']]);
    let prefix: Draft['prefix'] = '/v2.1';
    let projectSegment: Draft['projectSegment'] = null;
    const own = this.f.tokens[token].projectId;
    if (odd.has('prefix')) {
      const choice = r.pick(['legacy', 'other', 'bad'] as const);
      if (choice === 'legacy') prefix = '/v2';
      else projectSegment = choice === 'other' ? { value: r.pick(this.f.projects.filter((p) => p !== own)), kind: 'other' } : { value: 'not-a-project', kind: 'bad' };
    } else if (own && r.chance(0.05)) projectSegment = { value: own, kind: 'own' };
    const names = [...ep.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]!);
    const garbageAt = odd.has('params') && names.length > 0 ? r.int(0, names.length - 1) : -1;
    const params = names.map((name, i) => ({ name, ...this.param(name, i !== garbageAt) }));
    return {
      ep,
      method,
      prefix,
      projectSegment,
      params,
      query: this.query(ep, !odd.has('query')),
      token,
      versionHeaders: this.versionHeaders(!odd.has('version')),
      contentType: takesBody ? this.contentType(!odd.has('contentType')) : 'application/json',
      accept: r.chance(0.7) ? null : r.pick(['application/json', '*/*', 'application/xml', 'text/html', 'application/vnd.openstack.compute+json;version=2.1', 'garbage']),
      body: this.body(ep, !odd.has('body'), params.find((p) => p.name === 'key')?.value),
    };
  }

  private param(name: string, valid: boolean): { value: string; garbage: boolean; raw: boolean } {
    const r = this.r;
    const real: readonly string[] = {
      server_id: this.f.servers,
      flavor_id: this.f.flavors,
      keypair_name: this.f.keypairs,
      service_id: this.f.services,
      hypervisor_id: this.f.hypervisors,
      migration_id: this.f.migrations,
      request_id: this.f.requestIds,
      key: this.f.extraSpecKeys,
      aggregate_id: this.f.aggregates,
      id: this.f.projects,
      fault_id: [],
    }[name] ?? [];
    if (real.length > 0 && valid) return { value: r.pick(real), garbage: false, raw: false };
    if (r.chance(0.08)) return { value: r.pick(BAD_URL_PIECES), garbage: true, raw: true };
    const hex = (n: number): string => Array.from({ length: n }, () => r.int(0, 15).toString(16)).join('');
    const value = r.pick([
      `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`,
      hex(32),
      'garbage',
      '0',
      '-1',
      '99999999999999999999',
      '1.5',
      'é',
      'x'.repeat(r.pick([255, 300, 1200])),
      ' ',
      'null',
      'a/b',
      '日本',
    ]);
    return { value, garbage: true, raw: false };
  }

  private query(ep: Endpoint, valid: boolean): Draft['query'] {
    const r = this.r;
    if (valid && r.chance(0.6)) return [];
    const known = [...new Set(ep.defs.flatMap((d) => (d.query ?? []).flatMap((q) => Object.keys(q.schema.params))))];
    const common = ['limit', 'marker', 'sort_key', 'sort_dir', 'all_tenants', 'changes-since', 'changes-before', 'deleted', 'host', 'status', 'name', 'ip', 'flavor', 'image', 'user_id', 'project_id'];
    const out: Draft['query'] = [];
    for (let i = r.int(1, 3); i > 0; i--) {
      const key = r.weighted<string>([
        [known.length > 0 ? 6 : 0, known.length > 0 ? r.pick(known) : 'x'],
        [3, r.pick(common)],
        [valid ? 0 : 1, r.pick(['unknown', 'x', 'é', '', 'limit[]', 'a b'])],
      ]);
      if (!valid && r.chance(0.05)) {
        out.push({ key, value: r.pick(BAD_URL_PIECES), raw: true });
        continue;
      }
      const value = valid
        ? r.pick(['1', '2', 'true', 'ACTIVE', 'compute1', 'created_at', 'asc', this.f.servers[0]!, '2020-01-01T00:00:00Z'])
        : r.weighted<string>([
            [3, r.pick(ODD_STRINGS.filter((s) => !s.includes('\u0000')))],
            [2, String(r.pick(ODD_NUMBERS))],
            [2, r.pick(['(', '[', '*', '\\', '(a+)+$', '.*', '^', '$', '?'])],
            [2, r.pick([...this.f.servers, ...this.f.hosts, ...this.f.flavors, ...this.f.migrations])],
            [1, r.pick(['', '1e99', '-5', '2147483648', 'abc', 'True', 'yes', '2020-13-45', '2020-01-01T00:00:00+99:00'])],
          ]);
      out.push({ key, value, raw: false });
      if (r.chance(0.1)) out.push({ key, value: r.pick(['1', 'other', '']), raw: false });
    }
    return out;
  }

  private versionHeaders(valid: boolean): Record<string, string> {
    const r = this.r;
    const minor = (): number => r.int(1, 104);
    if (valid) {
      return r.weighted<() => Record<string, string>>([
        [5, () => ({})],
        [8, () => ({ 'OpenStack-API-Version': `compute 2.${minor()}` })],
        [2, () => ({ 'OpenStack-API-Version': 'compute latest' })],
        [1, () => ({ 'X-OpenStack-Nova-API-Version': r.pick([`2.${minor()}`, 'latest']) })],
      ])();
    }
    return r.weighted<() => Record<string, string>>([
      [3, () => ({ 'OpenStack-API-Version': `compute ${r.pick(['2.0', '2.105', '3.0', '1.1', 'garbage', '2.1.1', '2.', '02.1', '2.01', '-2.1', '2.99999999999999999999', ''])}` })],
      [1, () => ({ 'OpenStack-API-Version': r.pick(['volume 3.0', 'compute', 'compute  2.5 ', 'COMPUTE 2.5', 'compute 2.5, compute 2.60']) })],
      [1, () => ({ 'OpenStack-API-Version': `compute 2.${minor()}`, 'X-OpenStack-Nova-API-Version': r.pick(['2.1', 'bogus', '9.9']) })],
    ])();
  }

  private contentType(valid: boolean): string | null {
    const r = this.r;
    if (valid) return r.weighted<string | null>([[20, 'application/json'], [1, null], [1, 'application/vnd.openstack.compute+json'], [1, 'text/plain']]);
    return r.weighted<string | null>([
      [2, null],
      [1, 'text/plain'],
      [1, 'application/vnd.openstack.compute+json'],
      [1, 'application/json; charset=UTF-8'],
      [1, 'APPLICATION/JSON'],
      [1, 'application/xml'],
      [1, 'multipart/form-data; boundary=x'],
      [1, 'application/x-www-form-urlencoded'],
      [1, 'garbage'],
    ]);
  }

  private body(ep: Endpoint, valid: boolean, pathKey: string | undefined): Draft['body'] {
    const r = this.r;
    const takesBody = ep.method === 'POST' || ep.method === 'PUT';
    if (!takesBody && r.chance(0.95)) return null;
    const template = validBody(r, ep, this.f, pathKey);
    if (valid) return { kind: 'json', value: template ?? (takesBody && ep.action === undefined ? {} : undefined) };
    if (r.chance(0.2)) return this.rawBody(template);
    if (template === undefined || r.chance(0.1)) return { kind: 'json', value: r.chance(0.5) ? oddValue(r) : undefined };
    return { kind: 'json', value: r.chance(0.35) ? template : mutate(r, template) };
  }

  private rawBody(template: Json | undefined): Draft['body'] {
    const r = this.r;
    const text = (s: string): Draft['body'] => ({ kind: 'raw', bytes: Buffer.from(s) });
    const json = JSON.stringify(template ?? {});
    return r.weighted<() => Draft['body']>([
      [1, () => text('')],
      [1, () => text(' ')],
      [1, () => text(r.pick(['null', '[]', '"str"', '0', 'true', '{}']))],
      [2, () => text(r.pick(['{', '{"a":', 'not json', '{"a":1,}', "{'a': 1}", '{"a":1}{"b":2}', 'NaN']))],
      [1, () => text('{"a":1,"a":2}')],
      [1, () => {
        const depth = r.pick([65, 500, 5000]);
        return text(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
      }],
      [1, () => text(json.replace(/"([^"]*)"/, '"$1\\u0000"'))],
      [1, () => text(json.replace(/"([^"]*)"/, '"$1\\ud800"'))],
      [1, () => text(`\ufeff${json}`)],
      [1, () => ({ kind: 'raw', bytes: Buffer.concat([Buffer.from(json.slice(0, -2)), Buffer.from([0xff, 0xfe]), Buffer.from(json.slice(-2))]) })],
      [0.3, () => text(JSON.stringify({ pad: 'x'.repeat(120_000) }))],
    ])();
  }

  /** Makes the request carry one more defect the API must refuse it for. */
  private inject(d: Draft): void {
    const r = this.r;
    const takesBody = d.method === 'POST' || d.method === 'PUT';
    const named = d.params.filter((p) => NAMES_A_RECORD.has(p.name));
    r.weighted<() => void>([
      [4, () => {
        if (!takesBody) return;
        const template = validBody(r, d.ep, this.f, d.params.find((p) => p.name === 'key')?.value) ?? {};
        d.body = { kind: 'json', value: mutate(r, template, r.int(1, 4)) };
      }],
      [3, () => {
        if (named.length === 0) return;
        const p = r.pick(named);
        const g = this.param('fault_id', false);
        Object.assign(p, g);
      }],
      [2, () => {
        if (takesBody) d.body = this.rawBody(validBody(r, d.ep, this.f, undefined));
      }],
      [1, () => (d.token = r.pick(INVALID_KINDS))],
      [1, () => {
        d.prefix = '/v2.1';
        d.versionHeaders = { 'OpenStack-API-Version': `compute ${r.pick(['2.0', '2.105', '3.0', 'garbage', '2.1.1'])}` };
      }],
      [1, () => {
        if (takesBody) d.contentType = r.pick(['application/xml', 'multipart/form-data; boundary=x', 'garbage']);
      }],
      [1, () => d.query.push({ key: r.pick(['name', 'x', 'limit']), value: r.pick(BAD_URL_PIECES), raw: true })],
    ])();
  }

  /**
   * The defect the API must refuse the request for, or null when there is
   * none for sure. The API's own parsers and schemas decide (microversion,
   * JSON, body schema): what is tested is what follows from the verdict.
   */
  private defect(d: Draft): string | null {
    if (INVALID_KINDS.includes(d.token)) return `token ${d.token}`;
    if (d.params.some((p) => p.raw) || d.query.some((q) => q.raw)) return 'URL not percent-encoded UTF-8 or with NUL';
    if (d.method !== d.ep.method) return `method ${d.method}`;
    if (d.projectSegment && d.projectSegment.kind !== 'own') return `project segment ${d.projectSegment.kind}`;
    let version: ApiVersion;
    if (d.prefix === '/v2') version = MIN_VERSION; // the legacy mode ignores version headers
    else {
      const lower = Object.fromEntries(Object.entries(d.versionHeaders).map(([k, v]) => [k.toLowerCase(), v]));
      const neg = negotiate(requestedVersion(lower));
      if (!neg.ok) return `microversion ${JSON.stringify(d.versionHeaders)}`;
      version = neg.version;
    }
    const takesBody = d.method === 'POST' || d.method === 'PUT';
    let body: unknown;
    if (takesBody) {
      const ctype = (d.contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
      if (!ACCEPTED_TYPES.has(ctype)) return `content type ${d.contentType}`;
      const parsed = parseJsonBody(bodyBytes(d.body));
      if (!parsed.ok) return `body ${parsed.problem}`;
      body = parsed.value;
    }
    let defs = d.ep.defs;
    if (d.ep.action !== undefined) {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'action body not an object';
      const keys = Object.keys(body as object);
      if (keys.length !== 1) return 'action body with other than one key';
      if (!this.actionsOf.get(d.ep.path)!.has(keys[0]!)) return 'no such action';
      defs = this.endpoints.find((e) => e.path === d.ep.path && e.action === keys[0])!.defs;
    }
    const def = defs.find((x) => version.within(x.min, x.max));
    if (!def) return `no ${d.ep.path} at ${version}`;
    const schema = def.body?.find((b) => version.within(b.min, b.max))?.schema;
    if (schema) {
      try {
        validateBody(schema, body);
      } catch (err) {
        if (err instanceof HttpFault) return `schema: ${err.message.slice(0, 120)}`;
      }
    }
    const garbage = d.params.find((p) => p.garbage && NAMES_A_RECORD.has(p.name));
    if (garbage) return `${garbage.name} names nothing`;
    return null;
  }

  private build(d: Draft): FuzzRequest {
    const path = d.ep.path.replace(/:([a-z_]+)/g, (_, name: string) => {
      const p = d.params.find((x) => x.name === name)!;
      return p.raw ? p.value : encodeURIComponent(p.value);
    });
    const enc = (s: string, raw: boolean): string => (raw ? s : encodeURIComponent(s));
    const qs = d.query.map((q) => `${enc(q.key, false)}=${enc(q.value, q.raw)}`).join('&');
    const seg = d.projectSegment ? `/${d.projectSegment.value}` : '';
    const headers: Record<string, string> = { ...d.versionHeaders };
    const token = this.f.tokens[d.token].token;
    if (token !== null) headers['X-Auth-Token'] = token;
    if (d.contentType !== null && d.body !== null) headers['Content-Type'] = d.contentType;
    if (d.accept !== null) headers['Accept'] = d.accept;
    // A GET or HEAD body means nothing to the API; HTTP clients refuse to send one.
    const bytes = d.body === null || d.method === 'GET' || d.method === 'HEAD' ? undefined : bodyBytes(d.body);
    return {
      method: d.method,
      url: `${d.prefix}${seg}${path}${qs === '' ? '' : `?${qs}`}`,
      headers,
      ...(bytes !== undefined && bytes.length > 0 ? { body: bytes } : {}),
      mutating: isMutating(d.method),
      mustReject: isMutating(d.method) ? this.defect(d) : null,
    };
  }
}

function bodyBytes(b: Draft['body']): Buffer<ArrayBuffer> {
  if (b === null) return Buffer.alloc(0);
  if (b.kind === 'raw') return b.bytes;
  return b.value === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(b.value));
}
