// RequestSpec and Selection as they cross the bus: to JSON on the sending
// side, checked back into typed values on the receiving side so a malformed
// message is an Invalid error, not a crash deep in the scheduler.
import type { Json } from '../rpc/bus.js';
import { Invalid } from '../compute/errors.js';
import type { HostRef, RequestSpec, RequestedFlavor, SchedulerHints, Selection } from './request-spec.js';

type Obj = { readonly [k: string]: Json | undefined };

const isObj = (v: Json | undefined): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(v: Json | undefined, what: string): Obj {
  if (!isObj(v)) throw new Invalid(`${what} must be an object`);
  return v;
}
function str(o: Obj, k: string, what: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new Invalid(`${what}.${k} must be a string`);
  return v;
}
function optStr(o: Obj, k: string, what: string): string | undefined {
  return o[k] === undefined || o[k] === null ? undefined : str(o, k, what);
}
function num(o: Obj, k: string, what: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid(`${what}.${k} must be a number`);
  return v;
}
function optStrings(o: Obj, k: string, what: string): string[] | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) {
    throw new Invalid(`${what}.${k} must be a list of strings`);
  }
  return v;
}

/** The flavor's name and extra specs, when the sender gave them. */
function optFlavorFacts(f: Obj): Pick<RequestedFlavor, 'name' | 'extra_specs'> {
  const name = optStr(f, 'name', 'spec.flavor');
  const specs = f['extra_specs'];
  if (specs !== undefined && specs !== null && (!isObj(specs) || !Object.values(specs).every((v) => typeof v === 'string')))
    throw new Invalid('spec.flavor.extra_specs must be an object of strings');
  return { ...(name !== undefined && { name }), ...(isObj(specs) && { extra_specs: specs as Record<string, string> }) };
}

export function parseRequestSpec(json: Json | undefined): RequestSpec {
  const o = obj(json, 'spec');
  const f = obj(o['flavor'], 'spec.flavor');
  const flavor: RequestedFlavor = {
    vcpus: num(f, 'vcpus', 'spec.flavor'),
    memory_mb: num(f, 'memory_mb', 'spec.flavor'),
    root_gb: num(f, 'root_gb', 'spec.flavor'),
    ephemeral_gb: num(f, 'ephemeral_gb', 'spec.flavor'),
    swap: num(f, 'swap', 'spec.flavor'),
    ...optFlavorFacts(f),
  };
  let hints: SchedulerHints | undefined;
  if (o['schedulerHints'] !== undefined && o['schedulerHints'] !== null) {
    const h = obj(o['schedulerHints'], 'spec.schedulerHints');
    const same = optStrings(h, 'same_host', 'spec.schedulerHints');
    const different = optStrings(h, 'different_host', 'spec.schedulerHints');
    hints = { ...(same && { same_host: same }), ...(different && { different_host: different }) };
  }
  const az = o['availabilityZone'];
  if (az !== null && az !== undefined && typeof az !== 'string') throw new Invalid('spec.availabilityZone must be a string or null');
  const imageRef = optStr(o, 'imageRef', 'spec');
  const requestedHost = optStr(o, 'requestedHost', 'spec');
  const requestedNode = optStr(o, 'requestedNode', 'spec');
  const ignoreHosts = optStrings(o, 'ignoreHosts', 'spec');
  const instanceUuids = optStrings(o, 'instanceUuids', 'spec');
  const numInstances = o['numInstances'] === undefined || o['numInstances'] === null ? undefined : num(o, 'numInstances', 'spec');
  return {
    instanceUuid: str(o, 'instanceUuid', 'spec'),
    projectId: str(o, 'projectId', 'spec'),
    flavor,
    availabilityZone: az ?? null,
    ...(imageRef !== undefined && { imageRef }),
    ...(requestedHost !== undefined && { requestedHost }),
    ...(requestedNode !== undefined && { requestedNode }),
    ...(ignoreHosts !== undefined && { ignoreHosts }),
    ...(hints !== undefined && { schedulerHints: hints }),
    ...(numInstances !== undefined && { numInstances }),
    ...(instanceUuids !== undefined && { instanceUuids }),
  };
}

export function requestSpecToJson(spec: RequestSpec): Json {
  // Through JSON text: drops undefined fields and turns readonly arrays into plain ones.
  return JSON.parse(JSON.stringify(spec)) as Json;
}

const hostRefToJson = (r: HostRef): Json => ({ host: r.host, nodename: r.nodename, nodeUuid: r.nodeUuid });

export function selectionsToJson(selections: readonly Selection[]): Json {
  return selections.map((s) => ({
    host: s.host,
    nodename: s.nodename,
    nodeUuid: s.nodeUuid,
    hostIp: s.hostIp,
    alternates: s.alternates.map(hostRefToJson),
  }));
}

function parseHostRef(json: Json | undefined, what: string): HostRef {
  return hostRefOf(obj(json, what), what);
}
function hostRefOf(o: Obj, what: string): HostRef {
  return { host: str(o, 'host', what), nodename: str(o, 'nodename', what), nodeUuid: str(o, 'nodeUuid', what) };
}

export function parseSelections(json: Json | undefined): Selection[] {
  if (!Array.isArray(json)) throw new Invalid('selections must be a list');
  return json.map((s, i) => {
    const what = `selections[${i}]`;
    const o = obj(s, what);
    const alts = o['alternates'];
    if (!Array.isArray(alts)) throw new Invalid(`${what}.alternates must be a list`);
    return {
      ...hostRefOf(o, what),
      hostIp: str(o, 'hostIp', what),
      alternates: alts.map((a, j) => parseHostRef(a, `${what}.alternates[${j}]`)),
    };
  });
}
