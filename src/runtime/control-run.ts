import { existsSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { connectDataSource } from "../database/connect";
import { postgresOptions } from "../database/postgres-options";
import { openTarget } from "../database/target";
import { UsageError } from "../errors";
import { openRunLedger, type RunLedger } from "../ledger/ledger";
import { CONTROL_MOVES, decideControl, type ControlAction, type RunStatus } from "../ledger/transitions";
import { resolveTargetSettings, type TargetOptions } from "../settings/settings";
import { resolveScript } from "../script/load-script";
import { scriptsFolder, withDefaults, type RunHooks } from "./run-script";

export interface ControlOptions extends TargetOptions, Pick<RunHooks, "log"> {
  /** The script whose run in progress to operate (its latest real run). */
  script: string;
  /** Why: shown on every host's output, by `status` and kept in the history. */
  reason?: string;
  /** Who asks; `user@host` of the calling process by default. */
  by?: string;
}

/** What a request did: the run's new state, who asked, when (the database's clock) and why. */
export interface ControlResult {
  script: string;
  runId: number;
  action: ControlAction;
  /** The status it moved from (`interrupted` shows as the ledger's `running` nobody works on). */
  previous: RunStatus;
  status: RunStatus;
  by: string;
  /** ISO 8601. */
  at: string;
  reason: string | null;
  /** Live participants at work on the run when it moved: each sees the request at its next chunk boundary. */
  atWork: number;
}

/** `data-script pause <script>`: every participant holds at its next chunk boundary (in-flight chunks commit) until resumed. */
export function pauseScript(options: ControlOptions): Promise<ControlResult> {
  return controlScript("pause", options);
}

/** `data-script resume <script>`: lifts the pause; hosts stopped meanwhile rejoin with `--join`. */
export function resumeScript(options: ControlOptions): Promise<ControlResult> {
  return controlScript("resume", options);
}

/**
 * `data-script cancel <script>`: the run ends `cancelled` on every host at its
 * next chunk boundary; saved chunks stay saved (revertible), and the script's
 * next invocation starts a new run.
 */
export function cancelScript(options: ControlOptions): Promise<ControlResult> {
  return controlScript("cancel", options);
}

/** user@host of this process (`USER` when the user database has no entry, as in some containers). */
export function defaultRequester(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
  return `${user}@${hostname()}`;
}

async function controlScript(action: ControlAction, options: ControlOptions): Promise<ControlResult> {
  const { script, reason, by, log, ...rest } = options;
  if (typeof script !== "string" || !script.trim()) throw new UsageError(`which script? data-script ${action} <script>`);
  const request = { by: clean(by, "by") ?? defaultRequester(), reason: clean(reason, "reason") ?? null };
  const settings = resolveTargetSettings(rest);
  const target = await openTarget({ ...settings, log: withDefaults({ log }).log });
  try {
    // Connecting through the DataSource runs what it asks for on start (migrations), as every command does.
    await connectDataSource(target.dataSource);
    await target.dataSource.destroy();
    const ledger = await openRunLedger(postgresOptions(target.dataSource), settings.namespace);
    try {
      return await applyControl(ledger, action, script, request);
    } catch (error) {
      // Refused, for a name the ledger has no run of and the scripts folder no file of: a typo, said as `run` says it.
      // (A script whose file is gone can still be controlled while the ledger has its run.)
      const folder = scriptsFolder(settings);
      if (error instanceof UsageError && existsSync(folder) && !(await ledger.latest(script))) resolveScript(folder, script, settings.scripts);
      throw error;
    } finally {
      await ledger.close();
    }
  } finally {
    await target.release();
  }
}

/** The request on a ledger already open (the dashboard holds one): decided by the transition table, then made in one statement. */
export async function applyControl(ledger: RunLedger, action: ControlAction, script: string, request: { by: string; reason: string | null }): Promise<ControlResult> {
  const run = await ledger.latest(script);
  const atWork = run ? await ledger.othersAtWork(run.id, null) : 0;
  const decision = decideControl(action, script, run && { ...run, atWork });
  if (!decision.allowed) throw new UsageError(decision.reason);
  const moved = await ledger.control(run!.id, { action, from: decision.from, to: decision.to }, request);
  if (!moved) {
    // Another request (or the run's end) got there between the read and the move: say what it is now.
    const now = await ledger.run(run!.id);
    const again = decideControl(action, script, now && { ...now, atWork: await ledger.othersAtWork(now.id, null) });
    throw new UsageError(again.allowed ? `run #${run!.id} of ${script} changed while it was being ${CONTROL_MOVES[action].to}; try again` : again.reason);
  }
  // Nobody left to stop: the cancel itself records the totals of the chunks saved so far.
  if (action === "cancel" && atWork === 0) await ledger.recordCancelledTotals(moved.id, await ledger.counts(moved.id), null);
  return {
    script,
    runId: moved.id,
    action,
    previous: decision.from[0] === "running" && atWork === 0 ? "interrupted" : decision.from[0],
    status: moved.status,
    by: moved.control_by!,
    at: moved.control_at!.toISOString(),
    reason: moved.control_reason,
    atWork,
  };
}

/** A trimmed non-empty string, or undefined; anything else given is a usage error. */
function clean(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new UsageError(`${name} must be a string, got ${typeof value}`);
  const text = value.trim();
  if (text.length > 1_000) throw new UsageError(`${name} is too long (${text.length} characters; at most 1000)`);
  return text || undefined;
}
