// Configuration: defaults, then a nova.conf-style INI file, then environment
// variables (MAGNETAR_<SECTION>__<NAME>), then command-line overrides —
// the later source wins.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, isAbsolute } from 'node:path';
import ini from 'ini';
import { OPTIONS, type OptionDef } from './options.js';

export type ConfigValue = string | number | boolean | readonly string[] | null;

export class ConfigError extends Error {}

const key = (section: string, name: string): string => `${section}.${name}`;
const DEFS = new Map<string, OptionDef>(OPTIONS.map((o) => [key(o.section, o.name), o]));

function parseValue(def: OptionDef, raw: string): ConfigValue {
  const v = raw.trim();
  switch (def.type) {
    case 'string':
      return v;
    case 'int': {
      if (!/^-?\d+$/.test(v)) throw new ConfigError(`[${def.section}] ${def.name}: '${raw}' is not an integer`);
      return Number(v);
    }
    case 'float': {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) throw new ConfigError(`[${def.section}] ${def.name}: '${raw}' is not a number`);
      return n;
    }
    case 'bool': {
      const l = v.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(l)) return true;
      if (['false', '0', 'no', 'off'].includes(l)) return false;
      throw new ConfigError(`[${def.section}] ${def.name}: '${raw}' is not a boolean`);
    }
    case 'list':
      return v === '' ? [] : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
}

export class Config {
  private readonly values = new Map<string, ConfigValue>();
  /** Directory of the config file; relative paths in options resolve from here. */
  readonly configDir: string;

  constructor(configDir = process.cwd()) {
    this.configDir = configDir;
  }

  set(section: string, name: string, raw: string | ConfigValue): void {
    const def = DEFS.get(key(section, name));
    if (!def) throw new ConfigError(`unknown option [${section}] ${name}`);
    this.values.set(key(section, name), typeof raw === 'string' ? parseValue(def, raw) : raw);
  }

  private raw(section: string, name: string): ConfigValue {
    const k = key(section, name);
    const def = DEFS.get(k);
    if (!def) throw new ConfigError(`unknown option [${section}] ${name}`);
    return this.values.has(k) ? (this.values.get(k) as ConfigValue) : def.default;
  }

  str(section: string, name: string): string {
    return String(this.raw(section, name) ?? '');
  }
  num(section: string, name: string): number {
    return Number(this.raw(section, name));
  }
  bool(section: string, name: string): boolean {
    return this.raw(section, name) === true;
  }
  list(section: string, name: string): string[] {
    const v = this.raw(section, name);
    return Array.isArray(v) ? [...v] : [];
  }
  /** A path option resolved against the config file's directory. */
  path(section: string, name: string): string {
    return this.resolvePath(this.str(section, name));
  }
  resolvePath(p: string): string {
    return isAbsolute(p) ? p : resolve(this.configDir, p);
  }

  /** All option values, for passing configuration to other processes. */
  snapshot(): Record<string, ConfigValue> {
    return Object.fromEntries(this.values);
  }
}

export interface LoadOptions {
  readonly configFile?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** `section.name=value` (section defaults to DEFAULT) */
  readonly overrides?: readonly string[];
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const file = opts.configFile;
  if (file && !existsSync(file)) throw new ConfigError(`config file ${file} not found`);
  const conf = new Config(file ? dirname(resolve(file)) : process.cwd());
  if (file) {
    const parsed = ini.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const [sectionOrKey, value] of Object.entries(parsed)) {
      if (value !== null && typeof value === 'object') {
        for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
          if (DEFS.has(key(sectionOrKey, name))) conf.set(sectionOrKey, name, String(v));
        }
      } else if (DEFS.has(key('DEFAULT', sectionOrKey))) {
        conf.set('DEFAULT', sectionOrKey, String(value));
      }
    }
  }
  const env = opts.env ?? process.env;
  for (const def of OPTIONS) {
    const v = env[`MAGNETAR_${def.section.toUpperCase()}__${def.name.toUpperCase()}`];
    if (v !== undefined) conf.set(def.section, def.name, v);
  }
  for (const o of opts.overrides ?? []) {
    const eq = o.indexOf('=');
    if (eq < 0) throw new ConfigError(`override '${o}' must be section.name=value`);
    const path = o.slice(0, eq);
    const dot = path.indexOf('.');
    const [section, name] = dot < 0 ? ['DEFAULT', path] : [path.slice(0, dot), path.slice(dot + 1)];
    conf.set(section, name, o.slice(eq + 1));
  }
  return conf;
}

/** `service_down_time` as Nova computes it: never shorter than 2.5 heartbeats. */
export function effectiveServiceDownTime(conf: Config): number {
  const down = conf.num('DEFAULT', 'service_down_time');
  const report = conf.num('DEFAULT', 'report_interval');
  if (down > report) return down;
  return Number.isInteger(report) ? Math.floor(2.5 * report) : 2.5 * report;
}
