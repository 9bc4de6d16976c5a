// One round: take a crash point, pick a flow that reaches it and a server in
// the state the flow needs, arm the point in the process of the role that
// dies there, drive the flow through the API, see the process die, bring it
// back a few seconds later, finish what an operator would (bring back an
// evacuated host, end a move that awaits its confirmation), then settle and
// check. Every choice comes from the campaign's seeded random source.
import type { Reply } from './api-client.js';
import { findByName, forceDown, isAtRest, latestMigration, listServers, showServer, waitServer, type ServerView } from './cloud.js';
import { sleep, type Deployment, type Role } from './deployment.js';
import type { Flow, PointPlan } from './plan.js';
import type { Random } from '../support/fuzz/random.js';
import { settle, type SettleResult } from './settle.js';
import type { Tracker } from './tracker.js';

export interface RoundOptions {
  readonly dep: Deployment;
  readonly rng: Random;
  readonly tracker: Tracker;
  readonly imageRef: string;
  /** How long the settle may take before what still fails is a violation. */
  readonly settleMs: number;
  /** How long an armed process has to reach its point. */
  readonly reachMs: number;
  /** How long after its death a process is brought back: [min, max] ms. */
  readonly restartAfterMs: readonly [number, number];
}

export interface RoundRecord {
  readonly mode: string;
  readonly round: number;
  readonly point: string;
  readonly flow: Flow;
  /** The process that was to die: api, conductor or compute:<host>. */
  readonly victim: string;
  readonly server: string | null;
  /** The request that drove the flow and its answer. */
  readonly request: string;
  /** The process died at the point. */
  readonly reached: boolean;
  readonly restartAfterMs: number;
  readonly settleMs: number;
  readonly clean: boolean;
  readonly findings: SettleResult['findings'];
  readonly problems: readonly string[];
  /** The server after the round: status@host, or deleted/gone. */
  readonly end: string;
  readonly durationMs: number;
  /** Why the round could not be run as planned (it then still settles and checks). */
  readonly note?: string;
}

const WAIT_AT_REST_MS = 45_000;

class RoundAborted extends Error {}

function describe(r: Reply | Error): string {
  if (r instanceof Error) return 'no answer (the API died)';
  const fault = r.body && typeof r.body === 'object' ? (Object.values(r.body)[0] as { message?: string } | undefined)?.message : undefined;
  return `${r.status}${r.status >= 400 && fault ? ` ${fault}` : ''}`;
}

export async function runRound(o: RoundOptions, round: number, plan: PointPlan): Promise<RoundRecord> {
  const { dep, rng, tracker } = o;
  const api = dep.api;
  const started = Date.now();
  const flow = rng.pick(plan.flows);
  const name = `chaos-${dep.mode === 'distributed' ? 'd' : 'a'}${round}`;
  let server: ServerView | null = null;
  let victim = '';
  let request = '';
  let reached = false;
  let restartAfterMs = 0;
  let note: string | undefined;
  let downHost: string | null = null;

  const hostsBut = (h: string | null): string[] => dep.hosts.filter((x) => x !== h);
  const victimRole = (source: string | null, dest: string | null): Role => {
    if (plan.victim === 'api' || plan.victim === 'conductor') return plan.victim;
    const h = plan.victim === 'destination' ? dest : source;
    if (!h) throw new RoundAborted(`no ${plan.victim} host to arm`);
    return h;
  };
  const roleName = (r: Role): string => (r === 'api' || r === 'conductor' ? r : `compute:${r}`);

  /** A server at rest in one of `statuses` (made ACTIVE from another stable state, or booted, when none is). */
  const pickServer = async (statuses: readonly string[]): Promise<ServerView> => {
    const all = (await listServers(api)).filter((s) => tracker.alive.has(s.id) && isAtRest(s) && s.host !== null);
    const fit = all.filter((s) => statuses.includes(s.status));
    if (fit.length > 0) return rng.pick(fit);
    if (!statuses.includes('ACTIVE')) throw new RoundAborted(`no server in ${statuses.join('/')}`);
    const resized = all.find((s) => s.status === 'VERIFY_RESIZE');
    const shutoff = all.find((s) => s.status === 'SHUTOFF');
    let id: string;
    if (resized) {
      await api.call('POST', `/servers/${resized.id}/action`, { confirmResize: null });
      id = resized.id;
    } else if (shutoff) {
      await api.call('POST', `/servers/${shutoff.id}/action`, { 'os-start': null });
      id = shutoff.id;
    } else {
      id = await boot(`${name}-spare`);
    }
    const w = await waitServer(api, id, (s) => s !== null && isAtRest(s), WAIT_AT_REST_MS);
    if (!w.ok || w.server?.status !== 'ACTIVE') throw new RoundAborted(`could not make a server ACTIVE (${w.server?.status ?? 'gone'})`);
    return w.server;
  };

  const boot = async (serverName: string, host?: string): Promise<string> => {
    const r = await api.once(
      'POST',
      '/servers',
      { server: { name: serverName, flavorRef: '1', imageRef: o.imageRef, networks: 'none', ...(host ? { availability_zone: `nova:${host}` } : {}) } },
      '2.37',
    );
    if (r.status !== 202) throw new RoundAborted(`boot answered ${describe(r)}`);
    tracker.add(r.body.server.id, serverName);
    return r.body.server.id;
  };

  const action = async (id: string, body: unknown, version = 'latest'): Promise<string> => {
    const key = Object.keys(body as object)[0]!;
    const r = await api.once('POST', `/servers/${id}/action`, body, version).catch((e: Error) => e);
    return `${key} → ${describe(r)}`;
  };

  /** Brings the victim back after it died (or ends its armed life if it did not). */
  const killedAndBack = async (role: Role): Promise<void> => {
    reached = await dep.died(role, o.reachMs);
    if (reached) {
      restartAfterMs = rng.int(o.restartAfterMs[0], o.restartAfterMs[1]);
      await sleep(restartAfterMs);
    }
    await dep.restart(role);
  };

  try {
    // Where the flow starts, who dies, and the request that drives it.
    let trigger: () => Promise<string>;
    let armServer: string | undefined;
    let role: Role;
    let coldMove = false;
    switch (flow) {
      case 'build':
      case 'build-to-host': {
        const dest = flow === 'build-to-host' ? rng.pick(dep.hosts) : null;
        role = victimRole(null, dest);
        trigger = async () => {
          const r = await api
            .once('POST', '/servers', { server: { name, flavorRef: '1', imageRef: o.imageRef, networks: 'none', ...(dest ? { availability_zone: `nova:${dest}` } : {}) } }, '2.37')
            .catch((e: Error) => e);
          if (!(r instanceof Error) && r.status === 202) tracker.add(r.body.server.id, name);
          return `create${dest ? ` on ${dest}` : ''} → ${describe(r)}`;
        };
        break;
      }
      case 'delete': {
        server = await pickServer(['ACTIVE', 'SHUTOFF']);
        role = victimRole(server.host, null);
        armServer = server.id;
        const id = server.id;
        trigger = async () => {
          const r = await api.once('DELETE', `/servers/${id}`).catch((e: Error) => e);
          if (!(r instanceof Error) && r.status === 204) tracker.remove(id);
          return `delete → ${describe(r)}`;
        };
        break;
      }
      case 'power': {
        server = await pickServer(['ACTIVE', 'SHUTOFF']);
        role = victimRole(server.host, null);
        armServer = server.id;
        const body = server.status === 'SHUTOFF' ? { 'os-start': null } : rng.pick([{ 'os-stop': null }, { reboot: { type: rng.pick(['SOFT', 'HARD']) } }]);
        const id = server.id;
        trigger = () => action(id, body);
        break;
      }
      case 'snapshot': {
        server = await pickServer(['ACTIVE', 'SHUTOFF']);
        role = victimRole(server.host, null);
        armServer = server.id;
        const id = server.id;
        trigger = () => action(id, { createImage: { name: `${name}-snapshot` } });
        break;
      }
      case 'migrate':
      case 'migrate-to-host':
      case 'resize': {
        server = await pickServer(['ACTIVE']);
        const dest = flow === 'migrate-to-host' ? rng.pick(hostsBut(server.host)) : null;
        role = victimRole(server.host, dest);
        armServer = server.id;
        coldMove = true;
        const id = server.id;
        const body = flow === 'resize' ? { resize: { flavorRef: server.flavor === '1' ? '2' : '1' } } : { migrate: dest ? { host: dest } : null };
        trigger = async () => `${await action(id, body)}${dest ? ` (to ${dest})` : ''}`;
        break;
      }
      case 'confirm':
      case 'revert': {
        server = await pickServer(['VERIFY_RESIZE', 'ACTIVE']);
        if (server.status === 'ACTIVE') {
          await action(server.id, rng.next() < 0.5 ? { migrate: null } : { resize: { flavorRef: server.flavor === '1' ? '2' : '1' } });
          const w = await waitServer(api, server.id, (s) => s !== null && isAtRest(s), WAIT_AT_REST_MS);
          if (w.server?.status !== 'VERIFY_RESIZE') throw new RoundAborted(`the move before the ${flow} ended ${w.server?.status ?? 'gone'}`);
          server = w.server;
        }
        const m = await latestMigration(api, server.id);
        role = victimRole(m?.source ?? null, server.host);
        armServer = server.id;
        const id = server.id;
        trigger = () => action(id, flow === 'confirm' ? { confirmResize: null } : { revertResize: null });
        break;
      }
      case 'live-migrate':
      case 'live-migrate-to-host': {
        server = await pickServer(['ACTIVE']);
        const dest = flow === 'live-migrate-to-host' ? rng.pick(hostsBut(server.host)) : null;
        role = victimRole(server.host, dest);
        armServer = server.id;
        const id = server.id;
        trigger = async () => `${await action(id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } })}${dest ? ` (to ${dest})` : ''}`;
        break;
      }
      case 'evacuate':
      case 'evacuate-to-host': {
        server = await pickServer(['ACTIVE', 'SHUTOFF']);
        const source = server.host!;
        const dest = flow === 'evacuate-to-host' ? rng.pick(hostsBut(source)) : null;
        role = plan.victim === 'returning-source' ? source : victimRole(source, dest);
        armServer = server.id;
        const how = rng.pick(['stop', 'crash'] as const);
        await dep.takeDown(source, how);
        downHost = source;
        await forceDown(api, source, true);
        const id = server.id;
        // Before 2.95 an evacuated server comes back as it was; from 2.95 on, stopped.
        const version = rng.pick(['2.29', 'latest']);
        const down = dep.mode === 'distributed' ? `kill -9 compute:${source}` : `${how} ${source}`;
        trigger = async () => `${down}, force down, ${await action(id, { evacuate: dest ? { host: dest } : {} }, version)} at ${version}${dest ? ` (to ${dest})` : ''}`;
        break;
      }
      case 'shelve': {
        // [DEFAULT] shelved_offload_time is 0: the host offloads right after shelving.
        server = await pickServer(['ACTIVE', 'SHUTOFF']);
        role = victimRole(server.host, null);
        armServer = server.id;
        const id = server.id;
        trigger = () => action(id, { shelve: null });
        break;
      }
      case 'unshelve':
      case 'unshelve-to-host': {
        server = await pickServer(['ACTIVE']);
        const dest = flow === 'unshelve-to-host' ? rng.pick(dep.hosts) : null;
        role = victimRole(server.host, dest);
        armServer = server.id;
        const id = server.id;
        await action(id, { shelve: null });
        const w = await waitServer(api, id, (s) => s === null || isAtRest(s), WAIT_AT_REST_MS);
        if (w.server?.status !== 'SHELVED_OFFLOADED') throw new RoundAborted(`the shelve before the unshelve ended ${w.server?.status ?? 'gone'}`);
        trigger = async () => `${await action(id, { unshelve: dest ? { host: dest } : null }, '2.91')}${dest ? ` (to ${dest})` : ''}`;
        break;
      }
    }
    victim = roleName(role);

    if (plan.victim !== 'returning-source') await dep.arm(plan.point, role, armServer);
    request = await trigger();
    if (plan.victim !== 'returning-source') await killedAndBack(role);

    // A build whose answer was lost with the API: find it by name.
    if (flow === 'build' || flow === 'build-to-host') {
      if (![...tracker.alive.values()].includes(name)) {
        const found = await findByName(api, name);
        for (const s of found) tracker.add(s.id, name);
        if (found.length === 0 && reached && plan.victim === 'api') note = 'the API died after recording the server, yet no server of that name is listed';
      }
      const id = [...tracker.alive].find(([, n]) => n === name)?.[0];
      server = id ? await showServer(api, id) : null;
    }

    if (downHost) {
      // The evacuation runs to its end before the failed host comes back (as an operator would wait).
      await waitServer(api, server!.id, (s) => s === null || isAtRest(s), WAIT_AT_REST_MS);
      if (plan.victim === 'returning-source') {
        await dep.bringUp(downHost, plan.point);
        await killedAndBack(downHost);
      } else {
        await dep.bringUp(downHost);
      }
      await forceDown(api, downHost, false);
      downHost = null;
    }

    // A cold move that came to rest awaiting confirmation is confirmed or reverted, as its user would.
    if (coldMove && server) {
      const w = await waitServer(api, server.id, (s) => s === null || isAtRest(s), WAIT_AT_REST_MS);
      if (w.server?.status === 'VERIFY_RESIZE') await action(server.id, rng.next() < 0.5 ? { confirmResize: null } : { revertResize: null });
    }
  } catch (err) {
    if (!(err instanceof RoundAborted)) throw err;
    note = err.message;
    if (downHost) {
      await dep.bringUp(downHost);
      await forceDown(api, downHost, false).catch(() => undefined);
    }
  }

  const result = await settle(api, tracker, o.settleMs);
  const after = server ? await showServer(api, server.id).catch(() => null) : null;
  return {
    mode: dep.mode,
    round,
    point: plan.point,
    flow,
    victim,
    server: server?.id ?? null,
    request,
    reached,
    restartAfterMs,
    settleMs: result.ms,
    clean: result.clean,
    findings: result.findings,
    problems: note && note.startsWith('the API died') ? [note, ...result.problems] : result.problems,
    end: server === null ? '-' : after === null ? 'gone' : `${after.status}@${after.host ?? 'no host'}`,
    durationMs: Date.now() - started,
    ...(note ? { note } : {}),
  };
}
