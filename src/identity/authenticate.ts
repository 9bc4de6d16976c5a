// POST /v3/auth/tokens request handling: read the Keystone auth body, check the
// password (or the token being exchanged), resolve the scope, and say what
// token to issue — or which Keystone error to answer with.
import type { AuthMethod, IssueRequest, TokenPayload } from './tokens.js';
import type { Domain, Project, User } from './users.js';
import type { IdentityStore } from './store.js';
import { UNAUTHORIZED_MESSAGE, validationMessage } from './views.js';

export type AuthOutcome =
  | { readonly ok: true; readonly issue: IssueRequest }
  | { readonly ok: false; readonly code: 400 | 401; readonly message: string };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);

const unauthorized = (): AuthOutcome => ({ ok: false, code: 401, message: UNAUTHORIZED_MESSAGE });
const badRequest = (message: string): AuthOutcome => ({ ok: false, code: 400, message });
const invalidField = (field: string, why: string): AuthOutcome =>
  badRequest(`Invalid input for field '${field}': ${why}`);

class Failure {
  constructor(readonly outcome: AuthOutcome) {}
}

/** A `{id}` or `{name}` domain reference; an unknown domain fails authentication. */
function resolveDomain(store: IdentityStore, ref: unknown, target: string): Domain {
  if (!isObj(ref)) throw new Failure(badRequest(validationMessage('domain', target)));
  const id = str(ref, 'id');
  const name = str(ref, 'name');
  const d = id !== undefined ? store.domainById(id) : name !== undefined ? store.domainByName(name) : undefined;
  if (id === undefined && name === undefined) throw new Failure(badRequest(validationMessage('id or name', 'domain')));
  if (!d) throw new Failure(unauthorized());
  return d;
}

async function passwordUser(store: IdentityStore, password: unknown): Promise<User> {
  if (!isObj(password) || !isObj(password.user)) {
    throw new Failure(invalidField('password', "'user' is a required property"));
  }
  const u = password.user;
  const id = str(u, 'id');
  const name = str(u, 'name');
  let user: User | undefined;
  if (id !== undefined) user = await store.userById(id);
  else if (name !== undefined) user = await store.userByName(name, resolveDomain(store, u.domain, 'user').id);
  else throw new Failure(badRequest(validationMessage('id or name', 'user')));
  const secret = str(u, 'password');
  if (!user || secret === undefined || !(await store.checkPassword(user.id, secret))) throw new Failure(unauthorized());
  // A disabled user cannot authenticate (Keystone answers 401 too).
  if (!user.enabled) throw new Failure(unauthorized());
  return user;
}

async function resolveProject(store: IdentityStore, scope: unknown, fallbackProjectId: string | null): Promise<Project> {
  // No scope (or Keystone's explicit "unscoped") → the user's default project,
  // since every compute call needs a project-scoped token.
  if (scope === undefined || scope === null || scope === 'unscoped') {
    const p = fallbackProjectId === null ? undefined : await store.projectById(fallbackProjectId);
    if (!p || !p.enabled) throw new Failure(unauthorized());
    return p;
  }
  if (!isObj(scope)) throw new Failure(invalidField('scope', 'must be an object'));
  // Domain and system scopes are not offered: no user holds roles on them.
  if (!isObj(scope.project)) throw new Failure(unauthorized());
  const ref = scope.project;
  const id = str(ref, 'id');
  const name = str(ref, 'name');
  let project: Project | undefined;
  if (id !== undefined) project = await store.projectById(id);
  else if (name !== undefined) project = await store.projectByName(name, resolveDomain(store, ref.domain, 'project').id);
  else throw new Failure(badRequest(validationMessage('id or name', 'project')));
  if (!project || !project.enabled) throw new Failure(unauthorized());
  return project;
}

/** `check` answers a token's payload when it is valid and unrevoked (the token method). */
export async function authenticate(
  store: IdentityStore,
  check: (token: string) => Promise<TokenPayload | null>,
  body: unknown,
): Promise<AuthOutcome> {
  try {
    if (!isObj(body) || !isObj(body.auth)) return invalidField('auth', "'auth' is a required property");
    const { identity, scope } = body.auth;
    if (!isObj(identity)) return invalidField('auth', "'identity' is a required property");
    const methods = identity.methods;
    if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
      return invalidField('identity', "'methods' is a required property");
    }
    let user: User;
    let methodsUsed: AuthMethod[];
    let parentAuditId: string | undefined;
    let fallbackProject: string | null;
    if (methods.includes('password')) {
      user = await passwordUser(store, identity.password);
      methodsUsed = ['password'];
      fallbackProject = user.defaultProjectId;
    } else if (methods.includes('token')) {
      const tokenRef = identity.token;
      if (!isObj(tokenRef) || str(tokenRef, 'id') === undefined) {
        return invalidField('token', "'id' is a required property");
      }
      const parent = await check(str(tokenRef, 'id') as string);
      const parentUser = parent ? await store.userById(parent.userId) : undefined;
      if (!parent || !parentUser || !parentUser.enabled) return unauthorized();
      user = parentUser;
      methodsUsed = [...new Set<AuthMethod>(['token', ...parent.methods])];
      parentAuditId = parent.auditIds[0];
      fallbackProject = parent.projectId;
    } else {
      return unauthorized();
    }
    const project = await resolveProject(store, scope, fallbackProject);
    const roles = (await store.rolesOn(user.id, project.id)).map((r) => r.name);
    if (roles.length === 0) return unauthorized();
    return {
      ok: true,
      issue: {
        userId: user.id,
        projectId: project.id,
        roles,
        methods: methodsUsed,
        ...(parentAuditId ? { parentAuditId } : {}),
      },
    };
  } catch (err) {
    if (err instanceof Failure) return err.outcome;
    throw err;
  }
}
