/** A small argv reader: positionals, --flag, --key value, --key=value. */
export interface Args {
  _: string[];
  flags: Record<string, string | true>;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], valued: string[] = []): Args {
  const out: Args = { _: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out._.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) out.flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (valued.includes(a.slice(2))) {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`${a} needs a value`);
        out.flags[a.slice(2)] = v;
      } else out.flags[a.slice(2)] = true;
    } else out._.push(a);
  }
  return out;
}

export function str(a: Args, k: string): string | undefined {
  const v = a.flags[k];
  if (v === true) throw new UsageError(`--${k} needs a value`);
  return v;
}

export function int(a: Args, k: string, min: number, max: number): number | undefined {
  const v = str(a, k);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${k} must be an integer from ${min} to ${max}, got "${v}"`);
  return n;
}
