// The campaign's command line.
import type { Mode } from './deployment.js';

export interface CampaignOptions {
  /** Rounds in each mode. */
  readonly rounds: number;
  readonly seed: number;
  readonly modes: readonly Mode[];
  /** Servers booted before the first round, in each mode. */
  readonly servers: number;
  /** Seconds a round's settle may take before what still fails is a violation. */
  readonly settleSeconds: number;
  /** Results as JSON (every round's record). */
  readonly out: string | null;
  /** Results as Markdown. */
  readonly report: string | null;
  /** Runs the modes at the same time instead of one after the other. */
  readonly parallel: boolean;
  /** No round starts after this many minutes of a mode (0 = no limit); the results say how many ran. */
  readonly maxMinutes: number;
}

export const USAGE = `usage: npm run chaos -- [--rounds N] [--seed N] [--mode distributed|all-in-one|both]
                      [--servers N] [--settle SECONDS] [--out FILE.json] [--report FILE.md] [--parallel] [--max-minutes M]`;

export function parseOptions(argv: readonly string[]): CampaignOptions {
  const o = { rounds: 200, seed: 1, modes: ['distributed', 'all-in-one'] as Mode[], servers: 8, settleSeconds: 30, out: null as string | null, report: null as string | null, parallel: false, maxMinutes: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    const int = (min: number): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${a} wants an integer ≥ ${min}, not ${v}`);
      return n;
    };
    switch (a) {
      case '--rounds':
        o.rounds = int(0);
        break;
      case '--seed':
        o.seed = int(0);
        break;
      case '--servers':
        o.servers = int(1);
        break;
      case '--settle':
        o.settleSeconds = int(1);
        break;
      case '--mode': {
        const m = value();
        if (m === 'both') o.modes = ['distributed', 'all-in-one'];
        else if (m === 'distributed' || m === 'all-in-one') o.modes = [m];
        else throw new Error(`--mode is distributed, all-in-one or both, not ${m}`);
        break;
      }
      case '--out':
        o.out = value();
        break;
      case '--report':
        o.report = value();
        break;
      case '--max-minutes':
        o.maxMinutes = int(0);
        break;
      case '--parallel':
        o.parallel = true;
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  return o;
}
