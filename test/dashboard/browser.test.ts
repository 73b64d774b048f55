/// <reference lib="dom" />
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { killTree, ROOT, waitFor } from "../support/cli";
import type { TestDatabase } from "../support/database";
import { cli, DEMO_SCRIPTS, demoDatabase, FIXTURE_SCRIPTS, runOf, savedChunks, startUi, type Ui } from "./support";

/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core): the demo's scripts; a run of the demo's rename on two
 * joined hosts, watched live, paused and resumed from its page; a failed run's
 * row and message; the read-only dashboard; a form on another origin posting
 * to an action. `SCREENSHOTS=1` also writes docs/dashboard-*.png.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const USERS = 20_000;

describe("the dashboard in Chromium", () => {
  let db: TestDatabase;
  let browser: Browser;
  let ui: Ui;
  let hosts: ReturnType<typeof cli>[] = [];
  let runId: number;

  beforeAll(async () => {
    db = await demoDatabase("dash_browser", USERS);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    ui = await startUi(db.url, DEMO_SCRIPTS);
  });

  afterAll(async () => {
    for (const host of hosts) killTree(host.child, "SIGKILL");
    await Promise.all(hosts.map((h) => h.done));
    await ui?.stop();
    await browser?.close();
    await db.drop();
  });

  async function open(target: Ui, path = ""): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => message.type() === "error" && !/favicon/.test(message.text()) && errors.push(message.text()));
    (page as unknown as { errors: string[] }).errors = errors;
    await page.goto(target.url); // the token, once: the cookie from here on
    if (path) await page.goto(target.base + path);
    return page;
  }

  const pageErrors = (page: Page) => (page as unknown as { errors: string[] }).errors;

  test("the scripts page lists the demo's scripts with their status and description", async () => {
    const page = await open(ui);
    const rows = await page.$$eval("tr[data-script]", (trs) => trs.map((tr) => ({ script: tr.getAttribute("data-script"), text: tr.textContent!.replace(/\s+/g, " ").trim() })));
    expect(rows.map((r) => r.script)).toEqual(["2024-create-users", "2024-rename-users"]);
    expect(rows[0].text).toMatch(/completed .*#1 .*20,000 Create 100,000 demo users/);
    expect(rows[1].text).toMatch(/pending never run Upper-case every username/);
    // The stylesheet and the script are the dashboard's own files, and they load under the CSP.
    expect(await page.$eval("header", (h) => getComputedStyle(h).backgroundColor)).toBe("rgb(29, 35, 48)");
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  test("a run on two hosts, live: progress advances without reload, two participants, the chunk map's saved count grows, the chart draws; Pause and Resume from the page move the ledger", async () => {
    const args = ["2024-rename-users", "--join", "--workers", "1", "--chunk-size", "200", "--pause-ms", "700"];
    hosts = [cli(db.url, DEMO_SCRIPTS, args), cli(db.url, DEMO_SCRIPTS, args)];
    await waitFor(async () => (await db.query(`SELECT 1 FROM data_script_participants WHERE state = 'active'`)).length === 2);
    runId = (await runOf(db, "2024-rename-users")).id;
    const page = await open(ui, `runs/${runId}`);
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const done = async () => Number(await page.$eval('[data-count="done"]', (b) => b.textContent));
    const first = await done();
    const firstRows = await page.$eval("#rows-done", (d) => d.textContent);
    await page.waitForFunction((n) => Number(document.querySelector('[data-count="done"]')!.textContent) >= n + 3, first, { timeout: 30_000 });
    expect(await page.$eval("#rows-done", (d) => d.textContent)).not.toBe(firstRows);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await page.waitForFunction(() => document.querySelectorAll("tr[data-participant]").length === 2);
    expect(await page.$$eval("tr[data-participant] .badge", (b) => b.map((x) => x.textContent))).toEqual(["active", "active"]);
    expect(await page.$eval(".chunk-map", (m) => Number(m.getAttribute("data-chunks")))).toBe(USERS / 200);
    await page.waitForFunction(() => document.querySelector("svg.throughput")!.getAttribute("data-series") === "2", undefined, { timeout: 30_000 });
    expect(await page.$$eval("svg.throughput rect", (r) => r.length)).toBeGreaterThan(2);
    expect(await page.$eval("#live-state", (s) => s.textContent)).toBe("live");
    if (process.env.SCREENSHOTS) {
      await page.screenshot({ path: join(ROOT, "docs", "dashboard-run.png"), fullPage: true });
      const list = await open(ui);
      await list.setViewportSize({ width: 1200, height: 320 });
      await list.screenshot({ path: join(ROOT, "docs", "dashboard-scripts.png") });
      await list.close();
    }

    // Pause: the confirmation names the run and says what happens; the ledger says paused, the hosts hold.
    expect(await page.$$eval("button[data-action]", (b) => b.map((x) => x.textContent))).toEqual(["Pause", "Cancel"]);
    await page.click('button[data-action="pause"]');
    expect(await page.textContent("#confirm-text")).toContain(`Pause 2024-rename-users run #${runId}? Every host stops claiming chunks`);
    await page.fill("#confirm-reason", "peak traffic");
    await page.click("#confirm-yes");
    await waitFor(async () => (await runOf(db, "2024-rename-users")).status === "paused", 10_000);
    const [control] = await db.query<{ action: string; by: string; reason: string }>(`SELECT action, "by", reason FROM data_script_controls WHERE run_id = $1`, [runId]);
    expect(control).toEqual({ action: "pause", by: expect.stringContaining("(dashboard)"), reason: "peak traffic" });
    await page.waitForSelector(".summary .badge-paused");
    await page.waitForFunction(() => /paused by .*peak traffic/.test(document.querySelector("#last-control")?.textContent ?? ""));
    const heldAt = await savedChunks(db, runId);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await savedChunks(db, runId)).toBeLessThanOrEqual(heldAt + 2); // at most the chunks in flight commit
    expect(await page.$$eval("button[data-action]", (b) => b.map((x) => x.textContent))).toEqual(["Resume", "Cancel"]);

    // Resume: the run goes on.
    await page.click('button[data-action="resume"]');
    expect(await page.textContent("#confirm-text")).toContain(`Resume 2024-rename-users run #${runId}?`);
    await page.click("#confirm-yes");
    await waitFor(async () => (await runOf(db, "2024-rename-users")).status === "running", 10_000);
    const resumedAt = await savedChunks(db, runId);
    await waitFor(async () => (await savedChunks(db, runId)) > resumedAt + 2, 30_000);
    await page.waitForSelector(".summary .badge-running");
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  test("a form on another origin posting to an action is refused: the run goes on", async () => {
    const page = await open(ui);
    const evil: Server = createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(`<form method="POST" action="${ui.base}runs/${runId}/cancel"><button id="go">win a prize</button></form>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
    const refused = page.waitForResponse((r) => r.url().endsWith(`/runs/${runId}/cancel`));
    await page.goto(`http://127.0.0.1:${(evil.address() as { port: number }).port}/`);
    await page.click("#go");
    expect((await refused).status()).toBe(403);
    expect((await runOf(db, "2024-rename-users")).status).toBe("running");
    evil.close();
    await page.close();
  });

  test("--read-only: no action button on the run page; a POST from the page itself is refused", async () => {
    const readOnly = await startUi(db.url, DEMO_SCRIPTS, ["--read-only"]);
    try {
      const page = await open(readOnly, `runs/${runId}`);
      await page.waitForSelector(".summary .badge");
      expect(await page.textContent("header")).toContain("read-only");
      expect(await page.$$("button[data-action]")).toEqual([]);
      const status = await page.evaluate(async (id) => {
        const key = document.querySelector('meta[name="data-script-key"]')!.getAttribute("content")!;
        const response = await fetch(`../runs/${id}/pause`, { method: "POST", headers: { "x-data-script-key": key, "content-type": "application/json" }, body: "{}" });
        return response.status;
      }, runId);
      expect(status).toBe(403);
      expect((await runOf(db, "2024-rename-users")).status).toBe("running");
      await page.close();
    } finally {
      await readOnly.stop();
    }
  });

  test("a failed run's page shows the failing chunk, the row's key and the message, the full text and the stack trace behind a click", async () => {
    const failed = await cli(db.url, FIXTURE_SCRIPTS, ["poisoned", "--workers", "1", "--param", "failAt=150"]).done;
    expect(failed.code).toBe(1);
    const fixtures = await startUi(db.url, FIXTURE_SCRIPTS);
    try {
      const page = await open(fixtures, `runs/${(await runOf(db, "poisoned")).id}`);
      expect(await page.textContent(".summary .badge")).toBe("failed");
      const row = page.locator("tr.failure").first();
      expect(await row.locator(".row-key").textContent()).toBe("150");
      expect(await row.locator("summary").first().textContent()).toContain("mutate threw on User row 150 (chunk 2): user 150 has a poisoned name");
      expect(await row.locator("pre").first().isVisible()).toBe(false);
      await row.locator("summary").first().click();
      expect(await row.locator("pre").first().isVisible()).toBe(true);
      // The stack trace, behind a click of its own: the script's frame (its file and line), under the runner's.
      const stack = row.locator("details.stack");
      expect(await stack.locator("pre").isVisible()).toBe(false);
      await stack.locator("summary").click();
      expect(await stack.locator("pre").isVisible()).toBe(true);
      const trace = (await stack.locator("pre").textContent()) ?? "";
      expect(trace).toMatch(/Caused by: Error: user 150 has a poisoned name\n\s+at Poisoned\.mutate \(.*poisoned\.ts:\d+:\d+\)/);
      expect(failed.stderr + failed.stdout).not.toMatch(/\bat .*poisoned\.ts/); // the CLI prints no stack without --verbose
      await page.close();
    } finally {
      await fixtures.stop();
    }
  });
});
