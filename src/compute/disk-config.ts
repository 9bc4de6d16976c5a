// A server's disk config (OS-DCF:diskConfig) as Nova decides it: the value
// asked for, else the image's `auto_disk_config` property (a boolean string;
// absent = false). An image whose property is `disabled` refuses AUTO.
import { Invalid } from './errors.js';

export type DiskConfig = 'AUTO' | 'MANUAL';

/** `AUTO` → true, `MANUAL` → false, absent → null (not asked for). */
export function requestedAutoDiskConfig(value: unknown): boolean | null {
  if (value === 'AUTO') return true;
  if (value === 'MANUAL') return false;
  return null;
}

/** The disk config a server built (or rebuilt) from this image gets. */
export function autoDiskConfigFor(image: { readonly id: string; readonly properties: Readonly<Record<string, string>> }, requested: boolean | null): boolean {
  const fromImage = image.properties['auto_disk_config'];
  if (requested === true && fromImage?.trim().toLowerCase() === 'disabled')
    throw new Invalid(`Requested image ${image.id} has automatic disk resize disabled.`);
  return requested ?? boolFromString(fromImage);
}

/** The stored flag as the API shows it. */
export function diskConfigName(autoDiskConfig: number | boolean): DiskConfig {
  return autoDiskConfig ? 'AUTO' : 'MANUAL';
}

// Same truthy words as oslo's bool_from_string; anything else is false.
function boolFromString(v: string | undefined): boolean {
  return v !== undefined && ['1', 't', 'true', 'on', 'y', 'yes'].includes(v.trim().toLowerCase());
}
