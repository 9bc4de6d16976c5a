// Injected failures for the simulated hypervisor. One FaultRules store is
// shared by every fake driver of a process, so a rule added once (from config
// or the admin extension endpoint) is seen by every simulated host.
import { randomUUID } from 'node:crypto';
import { CRASH_POINTS, CRASH_STEP_PREFIX, isCrashPoint } from '../../crash/points.js';

/** Steps a rule can fail: the driver methods, in snake_case. */
export const FAULT_STEPS = [
  'spawn',
  'destroy',
  'power_off',
  'power_on',
  'reboot',
  'pause',
  'unpause',
  'suspend',
  'resume',
  'rebuild',
  'rescue',
  'unrescue',
  'inject_network_info',
  'trigger_crash_dump',
  'snapshot',
  'migrate_disk_and_power_off',
  'finish_migration',
  'confirm_migration',
  'finish_revert_migration',
  'check_can_live_migrate_destination',
  'check_can_live_migrate_source',
  'pre_live_migration',
  'live_migration',
  'post_live_migration_at_destination',
] as const;
export type FaultStep = (typeof FAULT_STEPS)[number];

export interface FaultRuleInput {
  readonly step: string;
  /** Only this host fails the step (any host when absent). */
  readonly host?: string;
  /** Only this guest uuid fails the step (any guest when absent). */
  readonly server?: string;
  /** How many more times the rule fires; absent = forever. */
  readonly count?: number;
  /** Error message; default "Simulated failure of <step> on <host>". */
  readonly message?: string;
}

export interface FaultRule extends FaultRuleInput {
  readonly id: string;
  /** A driver step, or `crash:<point>` (see crash/points.ts). */
  readonly step: string;
}

export class InvalidFaultRule extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFaultRule';
  }
}

export function isFaultStep(step: string): step is FaultStep {
  return (FAULT_STEPS as readonly string[]).includes(step);
}

/** A step a rule may name: a driver step, or a crash point as `crash:<point>`. */
export function isRuleStep(step: string): boolean {
  return isFaultStep(step) || (step.startsWith(CRASH_STEP_PREFIX) && isCrashPoint(step.slice(CRASH_STEP_PREFIX.length)));
}

/** Every step a rule may name, for error messages. */
export function ruleSteps(): string[] {
  return [...FAULT_STEPS, ...CRASH_POINTS.map((p) => `${CRASH_STEP_PREFIX}${p.name}`)];
}

export function faultMessage(rule: FaultRuleInput, host: string): string {
  return rule.message ?? `Simulated failure of ${rule.step} on ${host}`;
}

/** Parses the config form `step[@host][#server][*count]`, e.g. `live_migration#<uuid>*1`. */
export function parseFaultRule(text: string): FaultRuleInput {
  const m = /^([a-z_]+(?::[a-z_.]+)?)(?:@([^#*@\s]+))?(?:#([^#*@\s]+))?(?:\*(\d+))?$/.exec(text.trim());
  if (!m) throw new InvalidFaultRule(`invalid fault '${text}': expected step[@host][#server][*count]`);
  const [, step, host, server, count] = m;
  return validate({
    step: step ?? '',
    ...(host !== undefined ? { host } : {}),
    ...(server !== undefined ? { server } : {}),
    ...(count !== undefined ? { count: Number(count) } : {}),
  });
}

function validate(rule: FaultRuleInput): FaultRuleInput {
  if (!isRuleStep(rule.step)) {
    throw new InvalidFaultRule(`unknown fault step '${rule.step}'; known steps: ${ruleSteps().join(', ')}`);
  }
  if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count > 0)) {
    throw new InvalidFaultRule(`fault count must be a positive integer, got ${String(rule.count)}`);
  }
  for (const f of ['host', 'server', 'message'] as const) {
    const v = rule[f];
    if (v !== undefined && (typeof v !== 'string' || v === '')) {
      throw new InvalidFaultRule(`fault ${f} must be a non-empty string`);
    }
  }
  return rule;
}

export class FaultRules {
  /** Names this store, so that agents can tell whether they share one. */
  readonly storeId: string = randomUUID();
  private readonly rules: FaultRule[] = [];
  private nextId = 1;

  add(input: FaultRuleInput): FaultRule {
    const r = validate(input);
    const rule: FaultRule = Object.freeze({
      id: String(this.nextId++),
      step: r.step,
      ...(r.host !== undefined ? { host: r.host } : {}),
      ...(r.server !== undefined ? { server: r.server } : {}),
      ...(r.count !== undefined ? { count: r.count } : {}),
      ...(r.message !== undefined ? { message: r.message } : {}),
    });
    this.rules.push(rule);
    return rule;
  }

  /** Rules in the order they were added; `count` is what remains. */
  list(): readonly FaultRule[] {
    return [...this.rules];
  }

  /** Returns whether a rule with this id existed. */
  remove(id: string): boolean {
    const i = this.rules.findIndex((r) => r.id === id);
    if (i < 0) return false;
    this.rules.splice(i, 1);
    return true;
  }

  clear(): void {
    this.rules.length = 0;
  }

  /** The first rule that fails `step` for this host and guest, consuming one of its firings. */
  take(step: string, host: string, server: string): FaultRule | undefined {
    const i = this.rules.findIndex(
      (r) =>
        r.step === step &&
        (r.host === undefined || r.host === host) &&
        (r.server === undefined || r.server === server),
    );
    if (i < 0) return undefined;
    const rule = this.rules[i] as FaultRule;
    if (rule.count !== undefined) {
      if (rule.count <= 1) this.rules.splice(i, 1);
      else this.rules[i] = Object.freeze({ ...rule, count: rule.count - 1 });
    }
    return rule;
  }
}
