import { randomBytes } from "node:crypto";
import { killTree, waitFor } from "../support/cli";
import { createPasswordRole, type PasswordRole, type TestDatabase } from "../support/database";
import { cli, demoDatabase, FIXTURE_SCRIPTS, login, runOf, savedChunks, startUi, type Ui } from "./support";

/**
 * The standalone dashboard over plain HTTP, as an attacker on the same machine
 * (or a page in another tab) would try it: no token, a foreign Origin, a GET to
 * an action, and every body read for the database password and a secret
 * parameter's value. The app connects as a role with a distinctive password and
 * runs a script with a secret parameter, so both are there to leak.
 */
const PASSWORD = `Pw-${randomBytes(6).toString("hex")}-Dash`;
const SECRET = `tok-${randomBytes(8).toString("hex")}`;
const role = `ds_dash_${randomBytes(4).toString("hex")}`;

describe("dashboard security (data-script ui over HTTP)", () => {
  let db: TestDatabase;
  let url: string;
  let passwordRole: PasswordRole;
  let ui: Ui;
  let readOnly: Ui;
  let slow: ReturnType<typeof cli>;
  let runId: number;
  const bodies: { path: string; body: string }[] = [];

  beforeAll(async () => {
    db = await demoDatabase("dash_security", 3_000);
    passwordRole = await createPasswordRole(db, role, PASSWORD);
    url = passwordRole.url;
    const failed = await cli(url, FIXTURE_SCRIPTS, ["poisoned", "--workers", "2", "--param", "failAt=150", "--param", `password=${PASSWORD}`]).done;
    expect(failed.code).toBe(1);
    slow = cli(url, FIXTURE_SCRIPTS, ["slow-touch", "--workers", "1", "--param", `apiToken=${SECRET}`, "--param", "sleepMs=2000"]);
    await waitFor(async () => {
      const run = await runOf(db, "slow-touch");
      return Boolean(run) && (await savedChunks(db, run.id)) >= 1;
    });
    runId = (await runOf(db, "slow-touch")).id;
    [ui, readOnly] = await Promise.all([startUi(url, FIXTURE_SCRIPTS), startUi(url, FIXTURE_SCRIPTS, ["--read-only"])]);
  });

  afterAll(async () => {
    killTree(slow.child, "SIGKILL");
    slow.child.kill("SIGKILL");
    await Promise.all([ui?.stop(), readOnly?.stop(), slow.done]);
    await passwordRole?.drop();
    await db.drop();
  });

  const paths = () => ["", "events", "scripts/slow-touch", `runs/${runId}`, `runs/${runId}/events`, "assets/app.js", "assets/app.css", "assets/", "no/such/page"];
  const actions = () => ["pause", "resume", "cancel", "revert"].map((a) => `runs/${runId}/${a}`);

  /** One read of a page or the first update of an event stream; the body is kept for the leak check. */
  async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: string }> {
    const controller = new AbortController();
    const response = await fetch(ui.base + path, { headers, redirect: "manual", signal: controller.signal });
    let body = "";
    if (response.headers.get("content-type")?.startsWith("text/event-stream")) {
      const reader = response.body!.getReader();
      // Up to the end of the first update (an event ends with a blank line).
      while (!/event: update\ndata: .*\n\n/s.test(body)) body += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
    } else body = await response.text();
    bodies.push({ path, body });
    return { status: response.status, headers: response.headers, body };
  }

  test("no token: 401 on every path (pages, event streams, assets, actions), for GET and POST; a wrong token or cookie too", async () => {
    for (const path of [...paths(), ...actions()]) {
      expect({ path, status: (await fetch(ui.base + path, { redirect: "manual" })).status }).toEqual({ path, status: 401 });
      expect({ path, status: (await fetch(ui.base + path, { method: "POST", redirect: "manual" })).status }).toEqual({ path, status: 401 });
      expect({ path, status: (await fetch(`${ui.base}${path}?token=not-it`, { redirect: "manual" })).status }).toEqual({ path, status: 401 });
      const forged = await fetch(ui.base + path, { headers: { cookie: "data_script_session=0123abcd" }, redirect: "manual" });
      expect({ path, status: forged.status }).toEqual({ path, status: 401 });
    }
  });

  test("the token, once: a session cookie (HttpOnly, SameSite=Strict) and a redirect to the URL without it", async () => {
    const response = await fetch(ui.url, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("./");
    expect(response.headers.get("set-cookie")).toMatch(/^data_script_session=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/$/);
  });

  test("with the session: every page answers, each with a strict Content-Security-Policy, no inline script or style, nothing from another origin", async () => {
    const cookie = await login(ui);
    for (const path of paths()) {
      const { status, headers, body } = await get(path, { cookie });
      expect({ path, status }).toEqual({ path, status: path === "assets/" || path === "no/such/page" ? 404 : 200 });
      const csp = headers.get("content-security-policy");
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
      expect(headers.get("x-content-type-options")).toBe("nosniff");
      if (headers.get("content-type")?.startsWith("text/html")) {
        expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file of the dashboard's
        expect(body).not.toMatch(/\sstyle="/);
        expect(body).not.toMatch(/(src|href)="(https?:)?\/\//);
      }
    }
    const page = await get(`runs/${runId}`, { cookie });
    expect(page.body).toContain('<script src="../assets/app.js" defer></script>');
    expect(page.body).toContain("apiToken");
  });

  test("a POST with the session but from a foreign page (Origin, Sec-Fetch-Site, no Origin, no action key) is refused 403; a GET to an action changes nothing", async () => {
    const cookie = await login(ui);
    const key = /name="data-script-key" content="([0-9a-f]+)"/.exec((await get(`runs/${runId}`, { cookie })).body)![1];
    const origin = new URL(ui.base).origin;
    const before = await db.query(`SELECT to_jsonb(r) - 'rows_scanned' - 'rows_changed' - 'rows_inserted' AS r FROM data_script_runs r ORDER BY id`);
    const forged: Record<string, string>[] = [
      { origin: "http://evil.example", "x-data-script-key": key },
      { origin: "null", "x-data-script-key": key },
      { "sec-fetch-site": "cross-site", origin, "x-data-script-key": key },
      { "sec-fetch-site": "same-site", "x-data-script-key": key },
      { "x-data-script-key": key }, // no Origin, no Sec-Fetch-Site: not a page of the dashboard's
      { origin }, // the right origin, no action key
      { origin, "x-data-script-key": "0".repeat(64) },
    ];
    for (const path of actions()) {
      for (const headers of forged) {
        const response = await fetch(ui.base + path, { method: "POST", headers: { cookie, "content-type": "application/json", ...headers }, body: "{}" });
        expect({ path, headers, status: response.status }).toEqual({ path, headers, status: 403 });
      }
      const viaGet = await fetch(ui.base + path, { headers: { cookie, origin } });
      expect({ path, status: viaGet.status, allow: viaGet.headers.get("allow") }).toEqual({ path, status: 405, allow: "POST" });
    }
    const after = await db.query(`SELECT to_jsonb(r) - 'rows_scanned' - 'rows_changed' - 'rows_inserted' AS r FROM data_script_runs r ORDER BY id`);
    expect(after).toEqual(before);
    expect((await runOf(db, "slow-touch")).status).toBe("running");
  });

  test("--read-only: the run page offers no action, and a same-origin POST with the action key is refused", async () => {
    const cookie = await login(readOnly);
    const page = await fetch(`${readOnly.base}runs/${runId}`, { headers: { cookie } });
    const body = await page.text();
    bodies.push({ path: "read-only run page", body });
    expect(body).toContain("read-only");
    expect(body).not.toContain("data-action");
    const key = /name="data-script-key" content="([0-9a-f]+)"/.exec(body)![1];
    for (const action of ["pause", "cancel"]) {
      const response = await fetch(`${readOnly.base}runs/${runId}/${action}`, {
        method: "POST",
        headers: { cookie, origin: new URL(readOnly.base).origin, "x-data-script-key": key, "content-type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ message: "refused: the dashboard is read-only" });
    }
    expect((await runOf(db, "slow-touch")).status).toBe("running");
  });

  test("no response body holds the database password, a password-looking parameter (which the ledger holds) or a secret parameter (which it does not)", async () => {
    const [ledger] = await db.query<{ text: string }>(`SELECT string_agg(params::text, ' ') AS text FROM data_script_runs`);
    expect(ledger.text).toContain(PASSWORD); // a plain parameter named like a password is stored: there to leak, the dashboard masks it
    expect(ledger.text).not.toContain(SECRET); // a declared secret is stored as its checksum only
    expect(ledger.text).toMatch(/"apiToken":"<secret sha256:[0-9a-f]{8}>"/);
    const cookie = await login(ui);
    const failedRun = (await runOf(db, "poisoned")).id;
    for (const path of ["", "events", "scripts/poisoned", `runs/${failedRun}`, `runs/${failedRun}/events`, "scripts/slow-touch", `runs/${runId}`]) await get(path, { cookie });
    expect(bodies.length).toBeGreaterThan(15);
    const failedPage = bodies.find((b) => b.path === `runs/${failedRun}`)!.body;
    expect(failedPage).toContain("user 150 has a poisoned name");
    // The script's error quoted the password: its stack (which repeats the message) is stored and served masked.
    const [chunk] = await db.query<{ error: string; error_stack: string }>(`SELECT error, error_stack FROM data_script_chunks WHERE run_id = $1 AND error IS NOT NULL`, [failedRun]);
    expect(chunk.error_stack).toMatch(/user 150 has a poisoned name \(connected with \*\*\*\)\n\s+at Poisoned\.mutate \(.*poisoned\.ts:\d+/);
    expect(chunk.error_stack).not.toContain(PASSWORD);
    expect(failedPage).toMatch(/<pre class="stack-trace">[^<]*connected with \*\*\*\)\n\s+at Poisoned\.mutate \(.*poisoned\.ts:\d+/);
    for (const { path, body } of bodies) {
      for (const fragment of [PASSWORD, encodeURIComponent(PASSWORD), PASSWORD.slice(3, 15), SECRET]) {
        expect({ path, leaks: body.includes(fragment) }).toEqual({ path, leaks: false });
      }
    }
  });
});
