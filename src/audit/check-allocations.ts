// Allocations against what the records call for (expected-allocations.ts):
// each consumer holds exactly what is expected, where it is expected; nothing
// else holds anything; no node hands out more than its capacity.
import type { AuditContext } from './context.js';
import type { ExpectedAllocation } from './expected-allocations.js';
import type { AuditAllocation, FindingDraft } from './types.js';
import type { Resources } from '../scheduler/resources.js';

const size = (r: Resources): string => `${r.vcpus} vCPU, ${r.memory_mb} MB RAM, ${r.disk_gb} GB disk`;
const sameSize = (a: Resources, b: Resources): boolean => a.vcpus === b.vcpus && a.memory_mb === b.memory_mb && a.disk_gb === b.disk_gb;

function describeActual(ctx: AuditContext, a: AuditAllocation): string {
  const node = ctx.nodes.get(a.nodeUuid);
  return `${size(a.resources)} on ${node ? node.host : `unknown node ${a.nodeUuid}`}`;
}

function describeExpected(e: ExpectedAllocation): string {
  const what = e.resources === null ? 'its claim' : size(e.resources);
  const node = e.node !== null && e.node !== e.host ? ` node ${e.node}` : '';
  return `${what} on ${e.host ?? 'any host'}${node} (${e.role})`;
}

function fits(ctx: AuditContext, a: AuditAllocation, e: ExpectedAllocation): boolean {
  const node = ctx.nodes.get(a.nodeUuid);
  if (e.host !== null && node?.host !== e.host) return false;
  if (e.host !== null && e.node !== null && node?.nodename !== e.node) return false;
  return e.resources === null || sameSize(a.resources, e.resources);
}

interface ConsumerInfo {
  /** `Server <uuid>`, `Migration <uuid>` or `Consumer <uuid>`, for messages. */
  readonly label: string;
  /** The server the consumer belongs to (itself, or the migration's), when known. */
  readonly server: string | null;
  readonly migration: string | null;
  /** Why it should hold nothing, when nothing is expected of it. */
  readonly whyNothing: string;
}

function consumerInfo(ctx: AuditContext, consumer: string): ConsumerInfo {
  const server = `Server ${consumer}`;
  if (ctx.servers.has(consumer)) return { label: server, server: consumer, migration: null, whyNothing: 'a server without a host holds nothing' };
  if (ctx.snap.deletedServers.has(consumer)) return { label: server, server: consumer, migration: null, whyNothing: 'the server is deleted' };
  const m = ctx.migrations.get(consumer);
  if (m !== undefined) {
    const gone = !ctx.servers.has(m.instanceUuid);
    return {
      label: `Migration ${consumer}`,
      server: m.instanceUuid,
      migration: m.uuid,
      whyNothing: gone ? `${m.type} ${m.uuid} is of a server that no longer exists` : `${m.type} ${m.uuid} is ${m.status}, in which it holds nothing`,
    };
  }
  return { label: `Consumer ${consumer}`, server: null, migration: null, whyNothing: 'no server or migration has this uuid' };
}

/** Matches one consumer's allocations with what is expected of it. */
function checkConsumer(ctx: AuditContext, consumer: string, actual: readonly AuditAllocation[], expected: readonly ExpectedAllocation[]): FindingDraft[] {
  const info = consumerInfo(ctx, consumer);
  const base = { server: expected[0]?.server ?? info.server, migration: expected[0]?.migration ?? info.migration };
  const explainedBy = base.server ?? undefined;
  const hostOf = (a: AuditAllocation): string | null => ctx.nodes.get(a.nodeUuid)?.host ?? null;
  // Required expectations first, so an optional one never takes an allocation a required one needs.
  const open = [...expected].sort((x, y) => Number(x.optional) - Number(y.optional));
  const left: AuditAllocation[] = [];
  for (const a of actual) {
    const i = open.findIndex((e) => fits(ctx, a, e));
    if (i >= 0) open.splice(i, 1);
    else left.push(a);
  }
  const out: FindingDraft[] = [];
  const who = info.label;
  for (const a of left) {
    const e = open.shift();
    if (e !== undefined) {
      out.push({
        kind: 'allocation-mismatch',
        severity: 'violation',
        ...base,
        host: hostOf(a),
        message: `${who} holds ${describeActual(ctx, a)}; expected ${describeExpected(e)}`,
        ...(explainedBy && { explainedBy }),
      });
    } else {
      const why = expected.length > 0 ? `more than expected (${expected.map(describeExpected).join('; ')})` : info.whyNothing;
      out.push({
        kind: 'allocation-leak',
        severity: 'violation',
        ...base,
        host: hostOf(a),
        message: `${who} holds ${describeActual(ctx, a)}: ${why}`,
        ...(explainedBy && { explainedBy }),
      });
    }
  }
  for (const e of open) {
    if (e.optional) continue;
    out.push({
      kind: 'allocation-missing',
      severity: 'violation',
      server: e.server,
      migration: e.migration,
      host: e.host,
      message: `${who} holds no allocation for ${describeExpected(e)}`,
      explainedBy: e.server,
    });
  }
  return out;
}

function overCapacity(ctx: AuditContext): FindingDraft[] {
  const used = new Map<string, { vcpus: number; memory_mb: number; disk_gb: number }>();
  for (const a of ctx.snap.allocations) {
    const u = used.get(a.nodeUuid) ?? { vcpus: 0, memory_mb: 0, disk_gb: 0 };
    u.vcpus += a.resources.vcpus;
    u.memory_mb += a.resources.memory_mb;
    u.disk_gb += a.resources.disk_gb;
    used.set(a.nodeUuid, u);
  }
  const out: FindingDraft[] = [];
  for (const n of ctx.snap.nodes) {
    const u = used.get(n.uuid);
    if (u === undefined) continue;
    const over = (['vcpus', 'memory_mb', 'disk_gb'] as const).filter((k) => u[k] > n.capacity[k] + 1e-9);
    if (over.length === 0) continue;
    out.push({
      kind: 'over-capacity',
      severity: 'violation',
      server: null,
      migration: null,
      host: n.host,
      message: `Node ${n.nodename} has ${over.map((k) => `${k} ${u[k]} allocated of ${n.capacity[k]}`).join(', ')}`,
    });
  }
  return out;
}

export function allocationFindings(ctx: AuditContext, expected: readonly ExpectedAllocation[]): FindingDraft[] {
  const actualBy = new Map<string, AuditAllocation[]>();
  for (const a of ctx.snap.allocations) actualBy.set(a.consumer, [...(actualBy.get(a.consumer) ?? []), a]);
  const expectedBy = new Map<string, ExpectedAllocation[]>();
  for (const e of expected) expectedBy.set(e.consumer, [...(expectedBy.get(e.consumer) ?? []), e]);
  const consumers = new Set([...actualBy.keys(), ...expectedBy.keys()]);
  const out: FindingDraft[] = [];
  for (const c of consumers) out.push(...checkConsumer(ctx, c, actualBy.get(c) ?? [], expectedBy.get(c) ?? []));
  out.push(...overCapacity(ctx));
  return out;
}
