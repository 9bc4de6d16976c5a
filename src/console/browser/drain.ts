// Draining a host from the console: the same plan as `magnetar host drain`
// (live for running servers, cold for those that are off, skips with a
// reason), two moves at a time, each followed until it ends and confirmed
// when it was cold.
import { planServer, type PlanStep, type ServerSeen } from '../../cli/host-moves/plan.js';
import { faultMessage, type ComputeApi } from './api.js';

export interface DrainReport {
  (server: ServerSeen, text: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function follow(api: ComputeApi, step: Exclude<PlanStep, { do: 'skip' }>, source: string, report: DrainReport): Promise<boolean> {
  const s0 = step.server;
  if (step.do === 'start') {
    const body = step.kind === 'live' ? { 'os-migrateLive': { host: null, block_migration: 'auto' } } : { migrate: null };
    const r = await api.req('POST', `/servers/${s0.id}/action`, body);
    if (r.status !== 202) {
      report(s0, `failed: ${faultMessage(r.body)}`);
      return false;
    }
    report(s0, `${step.kind === 'live' ? 'live migration' : 'cold migration'} started`);
  }
  for (;;) {
    await sleep(500);
    const r = await api.req('GET', `/servers/${s0.id}`);
    if (r.status === 404) {
      report(s0, 'deleted while it moved');
      return false;
    }
    const s = r.body.server;
    if (s['OS-EXT-STS:task_state'] !== null) continue;
    if (s.status === 'VERIFY_RESIZE') {
      await api.req('POST', `/servers/${s0.id}/action`, { confirmResize: null });
      continue;
    }
    if (s.status === 'MIGRATING' || s.status === 'RESIZE') continue;
    const host = s['OS-EXT-SRV-ATTR:host'];
    report(s0, host !== source ? `moved to ${host}` : `failed: still on ${source} (${s.status})`);
    return host !== source;
  }
}

/** Moves every server off `host`; resolves with how many moved and how many did not. */
export async function drainHost(api: ComputeApi, host: string, report: DrainReport): Promise<{ moved: number; notMoved: number }> {
  const r = await api.req('GET', `/servers/detail?all_tenants=1&host=${encodeURIComponent(host)}`);
  const steps: PlanStep[] = (r.body?.servers ?? []).map((s: ServerSeen) => planServer(s, 'live'));
  let moved = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < steps.length) {
      const step = steps[next++]!;
      if (step.do === 'skip') {
        report(step.server, `skipped: ${step.reason}`);
        continue;
      }
      if (await follow(api, step, host, report)) moved++;
    }
  };
  await Promise.all([worker(), worker()]);
  return { moved, notMoved: steps.length - moved };
}
