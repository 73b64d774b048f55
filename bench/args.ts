import { join, resolve } from "node:path";

/** Command-line options of `npm run bench`. */
export interface BenchArgs {
  sizes: number[];
  reps: number;
  /** Only methods whose id contains one of these strings (empty: all). */
  only: string[];
  /** Keep the bench database afterwards (default: dropped). */
  keep: boolean;
  /** The results file, absolute. */
  out: string;
  /** Longest wait for a quiet machine before each run, ms. */
  maxWaitMs: number;
  /** The arguments as given, for the "reproduce with" line. */
  raw: string[];
}

const USAGE = `npm run bench -- [--quick] [--large] [--reps N] [--only id,id] [--keep] [--out file]
  default     N = 10,000 and 100,000, 3 runs each (median)
  --quick     N = 10,000 only, 1 run (a smoke run)
  --large     also N = 1,000,000 (the runner, raw unnest, split raw unnest, set-based)
  --reps N    runs per method and size (default 3)
  --only a,b  only methods whose id contains a or b (e.g. --only runner,raw-unnest)
  --keep      keep the bench database (ds_bench) afterwards
  --out file  results file, relative to where npm was run (default bench/results.md; --quick writes bench/results-quick.md)
  --sizes a,b exactly these N (e.g. --sizes 1000000)
  --max-wait s  longest wait for a quiet machine before each run (default 20)`;

export function parseArgs(argv: string[]): BenchArgs {
  const quick = argv.includes("--quick");
  const large = argv.includes("--large");
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  const known = new Set(["--quick", "--large", "--reps", "--only", "--keep", "--out", "--max-wait", "--sizes", "--help"]);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--") && !known.has(argv[i])) throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    if (["--reps", "--only", "--out", "--max-wait", "--sizes"].includes(argv[i])) i++;
  }
  if (argv.includes("--help")) {
    console.log(USAGE);
    process.exit(0);
  }
  const reps = Number(value("--reps") ?? (quick ? 1 : 3));
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer\n${USAGE}`);
  const sizes = quick ? [10_000] : [10_000, 100_000];
  if (large) sizes.push(1_000_000);
  const explicit = value("--sizes");
  if (explicit) {
    sizes.splice(0, sizes.length, ...explicit.split(",").map(Number));
    if (sizes.some((n) => !Number.isInteger(n) || n < 2)) throw new Error(`--sizes takes whole numbers ≥ 2\n${USAGE}`);
  }
  return {
    sizes,
    reps,
    only: (value("--only") ?? "").split(",").filter(Boolean),
    keep: argv.includes("--keep"),
    out: outFile(value("--out"), quick),
    maxWaitMs: Number(value("--max-wait") ?? 20) * 1000,
    raw: argv,
  };
}

/**
 * `--out` as the user meant it: an absolute path as it is, a relative one from where they ran
 * `npm run bench` (npm runs the script in the package's folder and says where it was run in
 * INIT_CWD); the default is in this folder.
 */
function outFile(given: string | undefined, quick: boolean): string {
  if (given === undefined) return join(__dirname, quick ? "results-quick.md" : "results.md");
  return resolve(process.env.INIT_CWD ?? process.cwd(), given);
}
