// Flavor bodies per microversion: description from 2.55, extra_specs from
// 2.61 (when the caller may read them), integer swap from 2.75, and no
// OS-FLV-DISABLED:disabled / rxtx_factor from 2.102.
import type { RequestContext } from '../context.js';
import type { FlavorWithSpecs } from '../../db/flavors.js';
import { resourceLinks } from './links.js';

export function flavorBrief(ctx: RequestContext, f: FlavorWithSpecs): Record<string, unknown> {
  const out: Record<string, unknown> = { id: f.flavorid, name: f.name, links: resourceLinks(ctx, 'flavors', f.flavorid) };
  if (ctx.version.atLeast('2.55')) out['description'] = f.description;
  return out;
}

export function flavorDetail(ctx: RequestContext, f: FlavorWithSpecs, includeExtraSpecs: boolean): Record<string, unknown> {
  const v = ctx.version;
  const out: Record<string, unknown> = {
    id: f.flavorid,
    name: f.name,
    ram: f.memory_mb,
    disk: f.root_gb,
    swap: v.atLeast('2.75') ? f.swap : f.swap || '',
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral_gb,
    'OS-FLV-DISABLED:disabled': f.disabled !== 0,
    vcpus: f.vcpus,
    'os-flavor-access:is_public': f.is_public !== 0,
    rxtx_factor: f.rxtx_factor || '',
    links: resourceLinks(ctx, 'flavors', f.flavorid),
  };
  if (v.atLeast('2.55')) out['description'] = f.description;
  if (includeExtraSpecs && v.atLeast('2.61')) out['extra_specs'] = f.extra_specs;
  if (v.atLeast('2.102')) {
    delete out['OS-FLV-DISABLED:disabled'];
    delete out['rxtx_factor'];
  }
  return out;
}
