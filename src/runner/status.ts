import { tryLockScript, unlockScript } from "../ledger/lock";
import { latestRuns } from "../ledger/runs";
import type { Sql } from "../ledger/sql-client";
import { ensureLedger } from "../ledger/schema";
import { checksumOf, listScripts } from "./load-script";
import { connectDataSource } from "./connect";
import { loadDataSource } from "./load-data-source";
import { openLedgerConnection } from "./ledger-connection";

export interface ScriptStatus {
  script: string;
  status: "pending" | "running" | "completed" | "failed" | "interrupted";
  /** The file changed since its last run. */
  changedSinceRun: boolean;
  lastRunId: number | null;
  lastRunAt: string | null;
  rowsScanned: number;
  rowsChanged: number;
  rowsInserted: number;
  error: string | null;
}

/** Each script in the folder with the state of its latest real run. */
export async function scriptStatuses(scriptsDir: string, dataSourceFile: string): Promise<ScriptStatus[]> {
  const scripts = listScripts(scriptsDir);
  const dataSource = loadDataSource(dataSourceFile);
  await connectDataSource(dataSource);
  await dataSource.destroy();
  const ledger = await openLedgerConnection(dataSource);
  try {
    await ensureLedger(ledger.sql);
    const runs = await latestRuns(ledger.sql);
    const statuses: ScriptStatus[] = [];
    for (const { name, file } of scripts) {
      const run = runs.get(name);
      const crashed = run?.status === "running" && !(await isLocked(ledger.sql, name));
      statuses.push({
        script: name,
        status: crashed ? "interrupted" : run?.status ?? "pending",
        changedSinceRun: run ? run.checksum !== checksumOf(file) : false,
        lastRunId: run?.id ?? null,
        lastRunAt: run ? (run.finished_at ?? run.started_at).toISOString() : null,
        rowsScanned: Number(run?.rows_scanned ?? 0),
        rowsChanged: Number(run?.rows_changed ?? 0),
        rowsInserted: Number(run?.rows_inserted ?? 0),
        error: crashed ? `its process died; resume it with: data-script ${name}` : run?.error ?? null,
      });
    }
    return statuses;
  } finally {
    await ledger.close();
  }
}

export function formatStatuses(statuses: ScriptStatus[]): string {
  if (!statuses.length) return "no scripts";
  const width = Math.max(...statuses.map((s) => s.script.length));
  return statuses
    .map((s) => {
      const when = s.lastRunAt ? ` run #${s.lastRunId} ${s.lastRunAt}` : "";
      const rows = s.lastRunId ? `, ${s.rowsScanned} scanned, ${s.rowsChanged} changed, ${s.rowsInserted} inserted` : "";
      const changed = s.changedSinceRun ? "  (file changed since it ran)" : "";
      return `${s.script.padEnd(width)}  ${s.status.padEnd(11)}${when}${rows}${changed}`;
    })
    .join("\n");
}

/** A `running` run whose advisory lock nobody holds was left by a process that died: it is interrupted. */
async function isLocked(sql: Sql, script: string): Promise<boolean> {
  if (!(await tryLockScript(sql, script))) return true;
  await unlockScript(sql, script);
  return false;
}
