import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Credentials } from '../../../src/policy/credentials.js';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'magnetar-policy-'));
}

/** Project-scoped token of `project` holding `roles` (implied roles listed explicitly). */
export function token(project: string, roles: string[], user = `user-of-${project}`): Credentials {
  return { user_id: user, project_id: project, roles };
}

export const ADMIN = token('admin-project', ['admin', 'manager', 'member', 'reader']);
export const MANAGER = token('p1', ['manager', 'member', 'reader']);
export const MEMBER = token('p1', ['member', 'reader']);
export const READER = token('p1', ['reader']);
export const OTHER_MEMBER = token('p2', ['member', 'reader']);

/** Target of a server owned by project p1. */
export const P1_SERVER = { project_id: 'p1', user_id: 'user-of-p1' };

/** An enforcer whose policy.yaml holds exactly `rules`. */
export function enforcerWithRules(rules: Record<string, string>): PolicyEnforcer {
  const dir = tempDir();
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, JSON.stringify(rules));
  return new PolicyEnforcer({ policyFile: file });
}
