import type { Server } from "node:http";
import express from "express";
import { createDashboardHandler, type DashboardHandler } from "typeorm-data-script";
import { killTree, ROOT, waitFor } from "../support/cli";
import type { TestDatabase } from "../support/database";
import { cli, demoDatabase, FIXTURE_SCRIPTS, runOf, savedChunks } from "./support";

/**
 * The dashboard mounted in an app, as bull-board is: an Express app serves it
 * under /admin/data-scripts behind its own authentication middleware (no token
 * of the dashboard's). Every link, asset, event stream and action the pages
 * name resolves under the prefix; the middleware guards all of it.
 */
const PREFIX = "/admin/data-scripts";
const AUTH = { authorization: "Bearer let-me-in" };

describe("createDashboardHandler mounted in an Express app", () => {
  let db: TestDatabase;
  let server: Server;
  let base: string;
  let dashboard: DashboardHandler;
  let slow: ReturnType<typeof cli>;
  let runId: number;

  beforeAll(async () => {
    db = await demoDatabase("dash_mounted", 2_000);
    slow = cli(db.url, FIXTURE_SCRIPTS, ["slow-touch", "--workers", "1", "--param", "sleepMs=1500"]);
    await waitFor(async () => {
      const run = await runOf(db, "slow-touch");
      return Boolean(run) && (await savedChunks(db, run.id)) >= 1;
    });
    runId = (await runOf(db, "slow-touch")).id;
    process.env.DATABASE_URL = db.url; // what the app's ormconfig.ts reads
    dashboard = createDashboardHandler({ dataSource: "ormconfig.ts", scripts: FIXTURE_SCRIPTS, cwd: ROOT, actor: (req) => `app user ${req.headers["x-user"] ?? "?"}` });
    const app = express();
    const requireLogin: express.RequestHandler = (req, res, next) => (req.headers.authorization === AUTH.authorization ? next() : res.status(401).send("log in first"));
    app.use(PREFIX, requireLogin, dashboard);
    app.get("/", (_req, res) => res.send("the app"));
    await new Promise<void>((resolve) => (server = app.listen(0, "127.0.0.1", () => resolve())));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    killTree(slow.child, "SIGKILL");
    slow.child.kill("SIGKILL");
    await slow.done;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await dashboard.close();
    await db.drop();
  });

  test("the app's middleware guards every path of the dashboard", async () => {
    for (const path of ["", "/", "/events", `/runs/${runId}`, `/runs/${runId}/events`, "/assets/app.js", `/runs/${runId}/pause`]) {
      const response = await fetch(base + PREFIX + path, { redirect: "manual" });
      expect({ path, status: response.status, body: await response.text() }).toEqual({ path, status: 401, body: "log in first" });
    }
  });

  test("under the prefix: the prefix itself redirects to its trailing slash; every link, asset, stream and action on the pages resolves under it and answers", async () => {
    const bare = await fetch(base + PREFIX, { headers: AUTH, redirect: "manual" });
    expect(bare.status).toBe(308);
    expect(bare.headers.get("location")).toBe(`${PREFIX}/`);

    const seen = new Set<string>();
    const pages = [`${PREFIX}/`, `${PREFIX}/runs/${runId}`];
    for (const page of pages) {
      const response = await fetch(base + page, { headers: AUTH });
      expect({ page, status: response.status }).toEqual({ page, status: 200 });
      const body = await response.text();
      const refs = [...body.matchAll(/(?:href|src|data-events|data-url)="([^"]+)"/g)].map((m) => m[1]);
      expect(refs.length).toBeGreaterThan(4);
      for (const ref of refs) {
        const resolved = new URL(ref.replace(/&amp;/g, "&"), base + page).pathname;
        expect({ ref, resolved: resolved.startsWith(`${PREFIX}/`) }).toEqual({ ref, resolved: true });
        seen.add(resolved);
      }
    }
    expect([...seen]).toEqual(expect.arrayContaining([`${PREFIX}/assets/app.js`, `${PREFIX}/assets/app.css`, `${PREFIX}/runs/${runId}/events`, `${PREFIX}/scripts/slow-touch`, `${PREFIX}/runs/${runId}/pause`]));
    for (const path of seen) {
      if (/\/(pause|resume|cancel|revert)$/.test(path)) continue;
      const controller = new AbortController();
      const response = await fetch(base + path, { headers: AUTH, signal: controller.signal });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      controller.abort();
    }
    const stylesheet = await fetch(`${base}${PREFIX}/assets/app.css`, { headers: AUTH });
    expect(stylesheet.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(stylesheet.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  test("an action under the prefix, posted as the page does, goes through the controls with the app's user as who asked", async () => {
    const page = await (await fetch(`${base}${PREFIX}/runs/${runId}`, { headers: AUTH })).text();
    const key = /name="data-script-key" content="([0-9a-f]+)"/.exec(page)![1];
    const response = await fetch(`${base}${PREFIX}/runs/${runId}/pause`, {
      method: "POST",
      headers: { ...AUTH, origin: base, "x-data-script-key": key, "x-user": "alice", "content-type": "application/json" },
      body: JSON.stringify({ reason: "peak traffic" }),
    });
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { message: expect.stringContaining(`slow-touch run #${runId}: pause requested`) } });
    expect((await runOf(db, "slow-touch")).status).toBe("paused");
    const [control] = await db.query(`SELECT action, "by", reason FROM data_script_controls WHERE run_id = $1`, [runId]);
    expect(control).toEqual({ action: "pause", by: "app user alice", reason: "peak traffic" });
    // Pausing twice: the state does not allow it, and the page no longer offers it.
    const again = await fetch(`${base}${PREFIX}/runs/${runId}/pause`, { method: "POST", headers: { ...AUTH, origin: base, "x-data-script-key": key } });
    expect(again.status).toBe(409);
    expect((await again.json()).message).toContain("pause is not possible now");
  });

  test("a second process of the app (another handler on the same database) accepts the first one's page: one action key per database; a forged key is refused", async () => {
    const page = await (await fetch(`${base}${PREFIX}/runs/${runId}`, { headers: AUTH })).text();
    const key = /name="data-script-key" content="([0-9a-f]+)"/.exec(page)![1];
    const other = createDashboardHandler({ dataSource: "ormconfig.ts", scripts: FIXTURE_SCRIPTS, cwd: ROOT });
    const app = express();
    app.use(PREFIX, other);
    let second: Server | undefined;
    await new Promise<void>((resolve) => (second = app.listen(0, "127.0.0.1", () => resolve())));
    const otherBase = `http://127.0.0.1:${(second!.address() as { port: number }).port}`;
    try {
      const post = (with_: string) =>
        fetch(`${otherBase}${PREFIX}/runs/${runId}/resume`, { method: "POST", headers: { origin: otherBase, "x-data-script-key": with_, "content-type": "application/json" }, body: "{}" });
      const forged = await post("0".repeat(64));
      expect({ status: forged.status, body: await forged.json() }).toEqual({ status: 403, body: { message: expect.stringContaining("the action key is missing or wrong") } });
      expect((await runOf(db, "slow-touch")).status).toBe("paused");
      const resumed = await post(key);
      expect({ status: resumed.status, body: await resumed.json() }).toEqual({ status: 200, body: { message: expect.stringContaining("resume") } });
      expect((await runOf(db, "slow-touch")).status).toBe("running");
    } finally {
      second!.closeAllConnections();
      await new Promise((resolve) => second!.close(resolve));
      await other.close();
    }
  });

  test("Cancel, then Revert of the cancelled run: the revert runs as a run of its own (its page linked), and the rows it saved are written back", async () => {
    const page = await (await fetch(`${base}${PREFIX}/runs/${runId}`, { headers: AUTH })).text();
    const key = /name="data-script-key" content="([0-9a-f]+)"/.exec(page)![1];
    const post = (action: string) =>
      fetch(`${base}${PREFIX}/runs/${runId}/${action}`, { method: "POST", headers: { ...AUTH, origin: base, "x-data-script-key": key, "content-type": "application/json" }, body: "{}" });
    expect((await post("cancel")).status).toBe(200);
    const host = await slow.done;
    expect(host.code).toBe(1);
    expect((await runOf(db, "slow-touch")).status).toBe("cancelled");
    const touched = await db.query<{ n: number }>(`SELECT count(*)::int n FROM users WHERE username LIKE '%!'`);
    expect(touched[0].n).toBeGreaterThan(0);
    const cancelledPage = await (await fetch(`${base}${PREFIX}/runs/${runId}`, { headers: AUTH })).text();
    expect([...cancelledPage.matchAll(/data-action="(\w+)"/g)].map((m) => m[1])).toEqual(["revert"]);

    const revert = await post("revert");
    const body = await revert.json();
    expect({ status: revert.status, body }).toEqual({ status: 200, body: { message: expect.stringMatching(/^revert of run #\d+ started as run #\d+$/), runUrl: expect.stringMatching(/^runs\/\d+$/) } });
    const revertId = Number(body.runUrl.split("/")[1]);
    await waitFor(async () => (await db.query<{ status: string }>(`SELECT status FROM data_script_runs WHERE id = $1`, [revertId]))[0]?.status === "completed", 60_000);
    expect((await db.query<{ n: number }>(`SELECT count(*)::int n FROM users WHERE username LIKE '%!'`))[0].n).toBe(0);
    const revertPage = await fetch(`${base}${PREFIX}/runs/${revertId}`, { headers: AUTH });
    expect(await revertPage.text()).toContain(`revert of <a href="../runs/${runId}">#${runId}</a>`);
  });
});
