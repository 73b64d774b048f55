/**
 * Child side of an ORM method (run as `node -r src/register-typescript.js bench/methods/<m>.ts '<json>'`,
 * with DATABASE_URL and BENCH_SUBSCRIBER in its environment): runs the job and prints
 * its result on one `@@bench-result {…}` line. The job times itself from after the
 * ORM is initialised to its last commit.
 */
export interface MethodConfig {
  n: number;
  chunk: number;
  path: "update" | "create" | "upsert";
}

export interface MethodResult {
  jobMs: number;
  rows?: number;
  note?: string;
}

export function runChild(job: (config: MethodConfig) => Promise<MethodResult>): void {
  const config = JSON.parse(process.argv[2] ?? "{}") as MethodConfig;
  job(config).then(
    (result) => {
      const maxRssMb = process.resourceUsage().maxRSS / 1024;
      process.stdout.write(`@@bench-result ${JSON.stringify({ ...result, maxRssMb })}\n`);
      // ORMs may leave pool timers behind; the result is out, so leave now.
      setTimeout(() => process.exit(0), 50).unref();
    },
    (error) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    },
  );
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
