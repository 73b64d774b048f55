import { hostname, userInfo } from "node:os";
import type { IncomingMessage } from "node:http";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { revertOf, type RunRecord } from "../ledger/dashboard-reads";
import type { LedgerSource } from "./ledger-source";
import type { DashboardOptions } from "./options";
import type { Action } from "./run-view";

/** What an action answers the page: a message, and where to look (a revert's own run page). */
export interface ActionResult {
  message: string;
  runUrl?: string;
}

/** The controls the dashboard calls (the public API's pause/resume/cancel), passed in so tests and builds without them stay apart. */
export interface Controls {
  pause(options: ControlOptions): Promise<unknown>;
  resume(options: ControlOptions): Promise<unknown>;
  cancel(options: ControlOptions): Promise<unknown>;
}

export type ControlOptions = Record<string, unknown> & { script: string; reason?: string; by?: string };

export function actorOf(options: DashboardOptions, req: IncomingMessage): string {
  const fallback = `${safeUser()}@${hostname()} (dashboard)`;
  if (typeof options.actor === "function") return options.actor(req) ?? fallback;
  return options.actor ?? fallback;
}

/**
 * Carries out an action the run's state allows (the caller checked): pause, resume and cancel
 * through the controls; revert as a run of its own, `data-script revert <script> --run N` in a
 * process of its own (its progress is its run's page; the dashboard's connections and the
 * app's DataSource stay out of it).
 */
export async function perform(
  source: LedgerSource,
  controls: Controls,
  run: RunRecord,
  action: Action,
  by: string,
  reason: string | undefined,
  log: (line: string) => void,
): Promise<ActionResult> {
  const options: ControlOptions = { ...source.targetOptions, script: run.script, by, log, ...(reason ? { reason } : {}) };
  switch (action) {
    case "pause":
      await controls.pause(options);
      return { message: `${run.script} run #${run.id}: pause requested; every host holds at its next chunk boundary` };
    case "resume":
      await controls.resume(options);
      return { message: `${run.script} run #${run.id}: resumed` };
    case "cancel":
      await controls.cancel(options);
      return { message: `${run.script} run #${run.id}: cancel requested; every host stops at its next chunk boundary` };
    case "revert":
      return startRevert(source, run, log);
  }
}

async function startRevert(source: LedgerSource, run: RunRecord, log: (line: string) => void): Promise<ActionResult> {
  const before = (await revertOf(source.sql, run.id))?.id ?? 0;
  const t = source.targetOptions;
  const args = [BIN, "revert", run.script, "--run", String(run.id), "--no-progress", "-d", source.settings.dataSource, "--scripts", source.settings.scripts];
  if (t.embedded) args.push("--embedded");
  // This process's environment, as the app set it (its DATABASE_URL, …): the revert loads the same data source.
  const child = spawn(process.execPath, args, { cwd: source.settings.cwd, env: { ...process.env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-4_000)));
  const done = new Promise<void>((resolve) =>
    child.on("close", (code) => {
      log(`revert of ${run.script} run #${run.id} ended (exit ${code}): ${stderr.trim().split("\n").at(-1) ?? ""}`);
      resolve();
    }),
  );
  // The revert's run row appears once it has the script's lock: point the page at it.
  const deadline = Date.now() + 10_000;
  let settled = false;
  void done.then(() => (settled = true));
  while (Date.now() < deadline) {
    const latest = await revertOf(source.sql, run.id);
    if (latest && latest.id !== before) return { message: `revert of run #${run.id} started as run #${latest.id}`, runUrl: `runs/${latest.id}` };
    if (settled) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { message: `revert of run #${run.id} requested; it shows in the script's history once it starts` };
}

/** The package's own bin (dist/dashboard → bin/data-script.js). */
const BIN = join(__dirname, "..", "..", "bin", "data-script.js");

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "someone";
  }
}
