import type { IncomingMessage, ServerResponse } from "node:http";
import { redactSecrets } from "../database/redact";
import { participantRecords, runRecord, runsOfScript } from "../ledger/dashboard-reads";
import { CLIENT_SCRIPT } from "./assets/client-script";
import { STYLES } from "./assets/styles";
import { actorOf, perform, type Controls } from "./actions";
import { ledgerSource, type LedgerSource } from "./ledger-source";
import type { DashboardHandler, DashboardOptions } from "./options";
import { historyPage } from "./pages/history-page";
import type { PageContext } from "./pages/layout";
import { runPage, runSections } from "./pages/run-page";
import { scriptsPage, scriptsTable, type ScriptRow } from "./pages/scripts-page";
import { runView, type Action } from "./run-view";
import { dashboardSecret } from "../ledger/dashboard-key";
import { createGuard, securityHeaders, type Guard } from "./security";
import { openStream } from "./events";

const ACTIONS: Action[] = ["pause", "resume", "cancel", "revert"];

/**
 * The dashboard as a plain Node request handler. Routes, relative to where it is mounted:
 *   GET  /                      the scripts          GET /events             their live updates
 *   GET  /scripts/<name>        a script's history
 *   GET  /runs/<id>             a run's page         GET /runs/<id>/events   its live updates
 *   POST /runs/<id>/<action>    pause, resume, cancel, revert
 *   GET  /assets/app.js, /assets/app.css
 * Every response passes through the runner's secret masking, last, whatever it holds.
 */
export function createDashboardHandler(options: DashboardOptions = {}, controls: Controls = missingControls()): DashboardHandler {
  const source = ledgerSource(options);
  // Mounted (no token): the action key is signed with the database's dashboard secret, so every process of the app accepts it.
  let guardReady: Promise<Guard> | undefined;
  const guardOf = () =>
    (guardReady ??= (options.token !== undefined ? Promise.resolve(createGuard(options.token)) : dashboardSecret(source.sql).then((secret) => createGuard(undefined, secret))).catch(
      (error) => {
        guardReady = undefined; // the database was not reachable: the next request tries again
        throw error;
      },
    ));
  const readOnly = options.readOnly ?? false;
  const refreshMs = options.refreshMs ?? 1_000;
  const log = options.log ?? ((line: string) => console.error(line));
  const streams = new Set<() => void>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    securityHeaders(res);
    const guard = await guardOf();
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    const auth = guard.authenticate(req, url);
    if (auth === "denied") return text(res, 401, "data-script dashboard: open the URL `data-script ui` printed (with its token)");
    if (auth === "login") {
      url.searchParams.delete("token");
      res.setHeader("Set-Cookie", guard.sessionCookie());
      res.setHeader("Location", `${relativeRoot(url.pathname)}${url.pathname.slice(1)}${url.search}`);
      return text(res, 303, "signed in");
    }
    // Mounted under a prefix and asked for the prefix itself: relative links need the trailing slash.
    const original = (req as { originalUrl?: string }).originalUrl;
    if (url.pathname === "/" && original !== undefined && !original.split("?")[0].endsWith("/")) {
      res.setHeader("Location", `${original.split("?")[0]}/${url.search}`);
      return text(res, 308, "moved");
    }
    const ctx: PageContext = { root: relativeRoot(url.pathname), readOnly, actionKey: guard.actionKey };
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? "GET";

    if (parts[0] === "assets" && parts.length === 2 && (method === "GET" || method === "HEAD")) {
      if (parts[1] === "app.js") return send(res, 200, "text/javascript; charset=utf-8", CLIENT_SCRIPT);
      if (parts[1] === "app.css") return send(res, 200, "text/css; charset=utf-8", STYLES);
      return text(res, 404, "no such asset");
    }
    if (parts[0] === "runs" && parts.length === 3 && ACTIONS.includes(parts[2] as Action)) {
      if (method !== "POST") {
        res.setHeader("Allow", "POST");
        return text(res, 405, `data-script dashboard: ${parts[2]} is a POST from the run's page; a ${method} changes nothing`);
      }
      return action(guard, req, res, Number(parts[1]), parts[2] as Action);
    }
    if (method !== "GET" && method !== "HEAD") return text(res, 405, "data-script dashboard: only its actions take a POST");

    if (parts.length === 1 && parts[0] === "favicon.ico") return send(res, 204, "text/plain", "");
    if (parts.length === 0) return send(res, 200, HTML, scriptsPage(ctx, await scriptRows(source)).text);
    if (parts.length === 1 && parts[0] === "events") {
      return stream(req, res, async () => ({ scripts: scriptsTable(ctx, await scriptRows(source)).text }), Math.max(refreshMs, 2_000));
    }
    if (parts[0] === "scripts" && parts.length === 2) {
      const statuses = await source.statuses();
      const status = statuses.find((s) => s.script === parts[1]);
      const runs = await runsOfScript(source.sql, source.settings.namespace, parts[1]);
      if (!status && !runs.length) return text(res, 404, `data-script dashboard: no script ${parts[1]}`);
      return send(res, 200, HTML, historyPage(ctx, parts[1], status?.description ?? null, runs).text);
    }
    if (parts[0] === "runs" && (parts.length === 2 || (parts.length === 3 && parts[2] === "events"))) {
      const runId = Number(parts[1]);
      if (!Number.isSafeInteger(runId) || runId < 1) return text(res, 404, "data-script dashboard: no such run");
      const read = async () => {
        const run = await runRecord(source.sql, runId);
        return run ? runView(source, runId, await latestApplyId(source, run.script)) : undefined;
      };
      const view = await read();
      if (!view) return text(res, 404, `data-script dashboard: no run #${runId}`);
      if (parts.length === 2) return send(res, 200, HTML, runPage(ctx, view).text);
      return stream(req, res, async () => {
        const next = await read();
        return next ? runSections(ctx, next) : {};
      }, refreshMs);
    }
    return text(res, 404, "data-script dashboard: no such page");
  };

  async function action(guard: Guard, req: IncomingMessage, res: ServerResponse, runId: number, name: Action) {
    const foreign = guard.foreignRequest(req);
    if (foreign) return json(res, 403, { message: `refused: ${foreign}` });
    if (readOnly) return json(res, 403, { message: "refused: the dashboard is read-only" });
    const body = await readBody(req);
    const run = await runRecord(source.sql, runId);
    if (!run) return json(res, 404, { message: `no run #${runId}` });
    const view = await runView(source, runId, await latestApplyId(source, run.script));
    if (!view?.actions.includes(name)) {
      return json(res, 409, { message: `${run.script} run #${runId} is ${view?.badge ?? run.status}: ${name} is not possible now` });
    }
    const reason = typeof body.reason === "string" && body.reason.trim() ? body.reason.trim().slice(0, 500) : undefined;
    try {
      return json(res, 200, await perform(source, controls, run, name, actorOf(options, req), reason, log));
    } catch (error) {
      const usage = (error as { name?: string })?.name === "UsageError";
      return json(res, usage ? 409 : 500, { message: (error as Error)?.message ?? String(error) });
    }
  }

  function stream(req: IncomingMessage, res: ServerResponse, read: () => Promise<Record<string, string>>, everyMs: number) {
    const stop = openStream(req, res, read, everyMs, (error) => log(`dashboard: live update failed: ${redactSecrets(String((error as Error)?.message ?? error))}`));
    streams.add(stop);
    res.on("close", () => streams.delete(stop));
  }

  const handler = ((req, res, next) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      const message = redactSecrets((error as Error)?.message ?? String(error));
      if (next && !(error as { name?: string })?.name?.includes("Usage")) log(`dashboard: ${message}`);
      text(res, (error as { name?: string })?.name === "UsageError" ? 503 : 500, `data-script dashboard: ${message}`);
    });
  }) as DashboardHandler;
  handler.close = async () => {
    for (const stop of streams) stop();
    await source.close();
  };
  return handler;
}

const HTML = "text/html; charset=utf-8";

/** The latest real apply run of the script: the controls act on it, so its page is the one that offers them. */
async function latestApplyId(source: LedgerSource, script: string): Promise<number | null> {
  const runs = await source.sql<{ id: number }>(
    `SELECT id FROM data_script_runs WHERE namespace = $2 AND script = $1 AND kind = 'apply' AND NOT dry_run ORDER BY id DESC LIMIT 1`,
    [script, source.settings.namespace],
  );
  return runs[0]?.id ?? null;
}

/** `status`'s rows, with `held` for a running run whose every working participant holds. */
async function scriptRows(source: LedgerSource): Promise<ScriptRow[]> {
  const statuses = await source.statuses();
  return Promise.all(
    statuses.map(async (s) => {
      let shown: string = s.status;
      if (s.status === "running" && s.lastRunId) {
        const working = (await participantRecords(source.sql, s.lastRunId, 1)).filter((p) => p.state === "active" && p.live);
        if (working.length && working.every((p) => p.hold_reason)) shown = "held";
      }
      return { ...s, badge: shown, description: s.description, error: s.error ? redactSecrets(s.error) : null };
    }),
  );
}

/** "./" at the root, "../" one level down, …: links stay inside the mount, whatever its prefix. */
export function relativeRoot(pathname: string): string {
  const depth = pathname.split("/").length - 2;
  return depth <= 0 ? "./" : "../".repeat(depth);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  const masked = redactSecrets(body);
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  res.setHeader("Content-Length", Buffer.byteLength(masked));
  res.end(masked);
}

function text(res: ServerResponse, status: number, body: string): void {
  send(res, status, "text/plain; charset=utf-8", `${body}\n`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  // An app's body parser (express.json()) may have read it already.
  const parsed = (req as { body?: unknown }).body;
  if (parsed && typeof parsed === "object") return parsed as Record<string, unknown>;
  let data = "";
  for await (const chunk of req) {
    data += chunk;
    if (data.length > 10_000) break;
  }
  try {
    const value = JSON.parse(data || "{}");
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

function missingControls(): Controls {
  const missing = async () => {
    throw new Error("pause, resume and cancel are not available in this build");
  };
  return { pause: missing, resume: missing, cancel: missing };
}
