import { describeCheck, evaluateCheck, type Check, type CheckResolver } from './checks.js';
import type { Credentials } from './credentials.js';
import { POLICY_DEFAULTS, type PolicyDefault } from './defaults.js';
import { PolicyNotAuthorized } from './errors.js';
import { compileCheckString } from './parser.js';
import { readPolicyFiles, snapshotPolicyFiles, type PolicySources } from './policy-files.js';

export interface PolicyEnforcerOptions {
  /** YAML or JSON overrides; a missing file means no overrides. */
  policyFile?: string;
  /** Directories whose files (in name order) apply after `policyFile`. */
  policyDirs?: string[];
  /** Deny system- and domain-scoped tokens for every rule (default true). */
  enforceScope?: boolean;
  /** How often to look for changed policy files (default 1000 ms). */
  reloadCheckIntervalMs?: number;
  /** Told when a changed policy file cannot be read; the previous rules stay in force. */
  onReloadError?: (err: Error) => void;
  /** Rule defaults; every rule Magnetar knows unless a test narrows it. */
  defaults?: readonly PolicyDefault[];
}

/**
 * Decides whether a caller may do something. Built-in defaults, overridden by
 * the operator's policy files, which are re-read when they change.
 */
export class PolicyEnforcer {
  private readonly sources: PolicySources;
  private readonly enforceScope: boolean;
  private readonly reloadCheckIntervalMs: number;
  private readonly onReloadError: ((err: Error) => void) | undefined;
  private readonly defaults: readonly PolicyDefault[];
  private readonly resolver: CheckResolver;

  private rules = new Map<string, Check>();
  private signature: string | null = null;
  private nextReloadCheck = 0;
  /** Set while `context_is_admin` is being evaluated, so `is_admin:` inside it cannot recurse. */
  private computingAdmin = false;

  constructor(opts: PolicyEnforcerOptions = {}) {
    this.sources = { policyFile: opts.policyFile, policyDirs: opts.policyDirs ?? [] };
    this.enforceScope = opts.enforceScope ?? true;
    this.reloadCheckIntervalMs = opts.reloadCheckIntervalMs ?? 1000;
    this.onReloadError = opts.onReloadError;
    this.defaults = opts.defaults ?? POLICY_DEFAULTS;
    this.resolver = {
      ruleCheck: (name) => this.rules.get(name),
      callerIsAdmin: (creds) => this.callerIsAdmin(creds),
    };
    // A broken policy file at start-up is an operator error worth failing loudly on.
    this.load(true);
  }

  /** Whether `creds` pass `rule` for `target`. An unknown rule never passes. */
  enforce(rule: string, target: Record<string, unknown>, creds: Credentials): boolean {
    this.reloadIfChanged();
    if (this.enforceScope && !isProjectScoped(creds)) return false;
    const check = this.rules.get(rule);
    if (check === undefined) return false;
    return evaluateCheck(check, target, creds, this.resolver);
  }

  /** Like `enforce`, but a denial throws `PolicyNotAuthorized` (a 403 at the API). */
  authorize(rule: string, target: Record<string, unknown>, creds: Credentials): void {
    if (!this.enforce(rule, target, creds)) throw new PolicyNotAuthorized(rule);
  }

  /** Whether the caller is an administrator: `context_is_admin` against their own project. */
  isAdmin(creds: Credentials): boolean {
    this.reloadIfChanged();
    return this.evaluateContextIsAdmin(creds);
  }

  /** Whether a rule of this name exists, as a default or from a policy file. */
  hasRule(rule: string): boolean {
    this.reloadIfChanged();
    return this.rules.has(rule);
  }

  /** The check string in force for a rule, in canonical form; undefined if unknown. */
  effectiveCheck(rule: string): string | undefined {
    this.reloadIfChanged();
    const check = this.rules.get(rule);
    return check === undefined ? undefined : describeCheck(check);
  }

  private callerIsAdmin(creds: Credentials): boolean {
    if (creds.is_admin !== undefined) return creds.is_admin;
    if (this.computingAdmin) return false;
    return this.evaluateContextIsAdmin(creds);
  }

  private evaluateContextIsAdmin(creds: Credentials): boolean {
    const check = this.rules.get('context_is_admin');
    if (check === undefined) return false;
    const wasComputing = this.computingAdmin;
    this.computingAdmin = true;
    try {
      return evaluateCheck(check, { project_id: creds.project_id, user_id: creds.user_id }, creds, this.resolver);
    } finally {
      this.computingAdmin = wasComputing;
    }
  }

  /** Cheap on the hot path: the files are looked at no more than once per interval. */
  private reloadIfChanged(): void {
    const now = Date.now();
    if (now < this.nextReloadCheck) return;
    this.nextReloadCheck = now + this.reloadCheckIntervalMs;
    try {
      this.load(false);
    } catch (err) {
      this.onReloadError?.(err as Error);
    }
  }

  private load(initial: boolean): void {
    const snapshot = snapshotPolicyFiles(this.sources);
    if (!initial && snapshot.signature === this.signature) return;
    const overrides = readPolicyFiles(snapshot.files);
    this.rules = buildRules(this.defaults, overrides);
    this.signature = snapshot.signature;
    if (initial) this.nextReloadCheck = Date.now() + this.reloadCheckIntervalMs;
  }
}

function isProjectScoped(creds: Credentials): boolean {
  return !creds.system_scope && typeof creds.project_id === 'string' && creds.project_id !== '';
}

/** Defaults, then overrides by name, then overrides inherited from deprecated names. */
function buildRules(defaults: readonly PolicyDefault[], overrides: ReadonlyMap<string, string>): Map<string, Check> {
  const rules = new Map<string, Check>();
  for (const d of defaults) rules.set(d.name, compileCheckString(d.check));
  for (const [name, check] of overrides) rules.set(name, compileCheckString(check));
  for (const d of defaults) {
    if (d.deprecatedName === undefined || overrides.has(d.name)) continue;
    const old = overrides.get(d.deprecatedName);
    if (old === undefined) continue;
    // Restating the old default is not a customisation; the new default stands.
    const oldDefault = d.deprecatedCheck === undefined ? undefined : describeCheck(compileCheckString(d.deprecatedCheck));
    const oldCheck = compileCheckString(old);
    if (describeCheck(oldCheck) !== oldDefault) rules.set(d.name, oldCheck);
  }
  return rules;
}
