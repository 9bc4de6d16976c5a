// Microversion negotiation: which version a request gets, from the standard
// and the legacy header, and how versions compare.

export class ApiVersion {
  constructor(
    readonly major: number,
    readonly minor: number,
  ) {}

  static parse(s: string): ApiVersion | null {
    const m = /^([1-9]\d*)\.(0|[1-9]\d*)$/.exec(s);
    return m ? new ApiVersion(Number(m[1]), Number(m[2])) : null;
  }

  /** For literals in code: throws on a malformed string. */
  static of(s: string): ApiVersion {
    const v = ApiVersion.parse(s);
    if (!v) throw new Error(`bad version literal ${s}`);
    return v;
  }

  cmp(o: ApiVersion): number {
    return this.major !== o.major ? this.major - o.major : this.minor - o.minor;
  }
  atLeast(s: string): boolean {
    return this.cmp(versionOf(s)) >= 0;
  }
  below(s: string): boolean {
    return this.cmp(versionOf(s)) < 0;
  }
  /** Inclusive range; either bound may be omitted. */
  within(min?: string, max?: string): boolean {
    return (min === undefined || this.atLeast(min)) && (max === undefined || this.cmp(versionOf(max)) <= 0);
  }
  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

const cache = new Map<string, ApiVersion>();
function versionOf(s: string): ApiVersion {
  let v = cache.get(s);
  if (!v) {
    v = ApiVersion.of(s);
    cache.set(s, v);
  }
  return v;
}

export const MIN_VERSION = ApiVersion.of('2.1');
export const MAX_VERSION = ApiVersion.of('2.104');

/** The requested version string, or null when neither header asks for one. */
export function requestedVersion(headers: Readonly<Record<string, string | string[] | undefined>>): string | null {
  const std = headers['openstack-api-version'];
  if (std !== undefined) {
    const pieces = (Array.isArray(std) ? std.join(',') : std).split(',');
    for (let i = pieces.length - 1; i >= 0; i--) {
      const piece = pieces[i]!.trim();
      const m = /^(\S+)\s+(.*)$/.exec(piece);
      if (m && m[1]!.toLowerCase() === 'compute') return m[2]!.trim();
    }
  }
  const legacy = headers['x-openstack-nova-api-version'];
  if (legacy !== undefined) {
    const all = Array.isArray(legacy) ? legacy.join(',') : legacy;
    return all.slice(all.lastIndexOf(',') + 1).trim();
  }
  return null;
}

export type VersionResult =
  | { readonly ok: true; readonly version: ApiVersion }
  | { readonly ok: false; readonly status: 400 | 406; readonly message: string; readonly version?: ApiVersion };

export function negotiate(requested: string | null): VersionResult {
  if (requested === null) return { ok: true, version: MIN_VERSION };
  if (requested === 'latest') return { ok: true, version: MAX_VERSION };
  const v = ApiVersion.parse(requested);
  if (!v)
    return {
      ok: false,
      status: 400,
      message: `API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`,
    };
  if (v.cmp(MIN_VERSION) < 0 || v.cmp(MAX_VERSION) > 0)
    return {
      ok: false,
      status: 406,
      version: v,
      message: `Version ${v} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`,
    };
  return { ok: true, version: v };
}
