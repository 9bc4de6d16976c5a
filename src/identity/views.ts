// Keystone v3 JSON shapes: version documents, tokens, projects, users, roles,
// domains and error bodies, exactly as keystoneauth1 and Tempest parse them.
import type { CatalogEndpoint, CatalogEntry } from './catalog.js';
import type { TokenPayload } from './tokens.js';
import type { Domain, Project, Role, User } from './users.js';
import type { IdentityStore } from './store.js';

export const VERSION_ID = 'v3.14';

export interface KeystoneError {
  readonly error: { readonly code: number; readonly message: string; readonly title: string };
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

export const UNAUTHORIZED_MESSAGE = 'The request you have made requires authentication.';

export function errorBody(code: number, message: string): KeystoneError {
  return { error: { code, message, title: TITLES[code] ?? 'Error' } };
}

/** Keystone's wording for a validation failure. */
export function validationMessage(attribute: string, target: string): string {
  return (
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request ` +
    'since it is either malformed or otherwise incorrect. The client is assumed to be in error.'
  );
}

/** `2015-11-05T22:00:11.000000Z`, the timestamp format of Keystone tokens. */
export function keystoneTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function versionDocument(baseUrl: string): Record<string, unknown> {
  return {
    id: VERSION_ID,
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${baseUrl}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

const domainRef = (d: Domain | undefined, id: string): { id: string; name: string } => ({ id, name: d?.name ?? id });

export async function tokenBody(
  payload: TokenPayload,
  store: IdentityStore,
  catalog: readonly CatalogEntry[] | null,
): Promise<Record<string, unknown> | null> {
  const user = await store.userById(payload.userId);
  const project = await store.projectById(payload.projectId);
  if (!user || !project) return null;
  const token: Record<string, unknown> = {
    methods: payload.methods,
    user: {
      domain: domainRef(store.domainById(user.domainId), user.domainId),
      id: user.id,
      name: user.name,
      password_expires_at: null,
    },
    audit_ids: payload.auditIds,
    expires_at: keystoneTime(payload.expiresAt),
    issued_at: keystoneTime(payload.issuedAt),
    project: {
      domain: domainRef(store.domainById(project.domainId), project.domainId),
      id: project.id,
      name: project.name,
    },
    is_domain: false,
    roles: await Promise.all(payload.roles.map(async (name) => ({ id: (await store.roleByName(name))?.id ?? name, name }))),
  };
  if (catalog) token.catalog = catalog;
  return { token };
}

/** Attributes Keystone keeps as given are shown beside the fixed ones (which they cannot replace). */
export function projectView(p: Project, baseUrl: string): Record<string, unknown> {
  return {
    ...p.extra,
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description,
    enabled: p.enabled,
    is_domain: false,
    parent_id: p.domainId,
    tags: p.tags,
    options: {},
    links: { self: `${baseUrl}/v3/projects/${p.id}` },
  };
}

export function userView(u: User, baseUrl: string): Record<string, unknown> {
  return {
    ...u.extra,
    id: u.id,
    name: u.name,
    domain_id: u.domainId,
    ...(u.defaultProjectId !== null && { default_project_id: u.defaultProjectId }),
    enabled: u.enabled,
    password_expires_at: null,
    options: {},
    links: { self: `${baseUrl}/v3/users/${u.id}` },
  };
}

export function roleView(r: Role, baseUrl: string): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    domain_id: null,
    description: r.description,
    options: {},
    links: { self: `${baseUrl}/v3/roles/${r.id}` },
  };
}

export function domainView(d: Domain, baseUrl: string): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    description: 'The default domain',
    enabled: true,
    tags: [],
    options: {},
    links: { self: `${baseUrl}/v3/domains/${d.id}` },
  };
}

export function serviceView(c: CatalogEntry, baseUrl: string): Record<string, unknown> {
  return {
    id: c.id,
    type: c.type,
    name: c.name,
    description: null,
    enabled: true,
    links: { self: `${baseUrl}/v3/services/${c.id}` },
  };
}

export function endpointView(e: CatalogEndpoint, serviceId: string, baseUrl: string): Record<string, unknown> {
  return {
    id: e.id,
    interface: e.interface,
    region: e.region,
    region_id: e.region_id,
    service_id: serviceId,
    url: e.url,
    enabled: true,
    links: { self: `${baseUrl}/v3/endpoints/${e.id}` },
  };
}

export function regionView(id: string, baseUrl: string): Record<string, unknown> {
  return { id, description: '', parent_region_id: null, links: { self: `${baseUrl}/v3/regions/${id}` } };
}

/** A collection body: `{<key>: [...], links: {self, previous, next}}`. */
export function collection(key: string, items: unknown[], selfUrl: string): Record<string, unknown> {
  return { [key]: items, links: { self: selfUrl, previous: null, next: null } };
}
