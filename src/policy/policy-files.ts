import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PolicyFileInvalid } from './errors.js';

/** Where policy overrides come from: one file, then every file of each directory. */
export interface PolicySources {
  readonly policyFile?: string;
  readonly policyDirs?: readonly string[];
}

/** The override files as they are on disk now, in the order they apply. */
export interface PolicyFileSnapshot {
  readonly files: readonly string[];
  /** Changes whenever a file appears, disappears or is rewritten. */
  readonly signature: string;
}

function fileStat(path: string): Stats | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}

function dirEntries(dir: string): string[] {
  try {
    // Hidden files are editor swap files and the like, never meant as policy.
    return readdirSync(dir).filter((name) => !name.startsWith('.')).sort();
  } catch {
    return [];
  }
}

export function snapshotPolicyFiles(sources: PolicySources): PolicyFileSnapshot {
  const files: string[] = [];
  const parts: string[] = [];
  const consider = (path: string): void => {
    const st = fileStat(path);
    if (st === undefined) return;
    files.push(path);
    parts.push(`${path}\0${st.mtimeMs}\0${st.size}\0${st.ino}`);
  };
  if (sources.policyFile !== undefined && sources.policyFile !== '') consider(sources.policyFile);
  for (const dir of sources.policyDirs ?? []) {
    for (const name of dirEntries(dir)) consider(join(dir, name));
  }
  return { files, signature: parts.join('\n') };
}

/** Reads one override file: a YAML (or JSON) mapping of rule name to check string. */
export function readPolicyFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PolicyFileInvalid(path, (err as Error).message);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new PolicyFileInvalid(path, (err as Error).message);
  }
  const rules = new Map<string, string>();
  if (doc === null || doc === undefined) return rules;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PolicyFileInvalid(path, 'expected a mapping of rule names to check strings');
  }
  for (const [name, check] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof check !== 'string') {
      throw new PolicyFileInvalid(path, `the check of rule "${name}" is not a string`);
    }
    rules.set(name, check);
  }
  return rules;
}

/** All overrides in force; a later file wins over an earlier one for the same rule. */
export function readPolicyFiles(files: readonly string[]): Map<string, string> {
  const merged = new Map<string, string>();
  for (const path of files) {
    for (const [name, check] of readPolicyFile(path)) merged.set(name, check);
  }
  return merged;
}
