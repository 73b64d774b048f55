import { Pool } from "pg";
import { clientConfig, postgresOptions } from "../database/postgres-options";
import { registerSecret, registerUrlSecrets } from "../database/redact";
import { openTarget, type Target } from "../database/target";
import type { Sql } from "../ledger/sql";
import { statusesOn, type ScriptStatus } from "../runtime/script-statuses";
import { scriptsFolder } from "../runtime/run-script";
import { listScripts, loadScript } from "../script/load-script";
import { resolveTargetSettings, type TargetOptions, type TargetSettings } from "../settings/settings";
import { declaredSecrets } from "./mask";

/**
 * Where the dashboard reads from: the app's data source, resolved once (an
 * embedded server started once, for the `ui` process's life), a small pool of
 * its own ledger connections (never the DataSource's: a page's reads must not
 * queue behind the app's queries), and the script statuses `status` prints.
 */
export interface LedgerSource {
  sql: Sql;
  settings: TargetSettings;
  /** What `data-script status` shows, at most `maxAgeMs` old (several open pages share one read). */
  statuses(maxAgeMs?: number): Promise<ScriptStatus[]>;
  /** The parameter keys the script declares secret (none for a script no longer in the folder). */
  secretKeys(script: string): string[];
  /** Connection settings for the controls (the same options the CLI would take). */
  targetOptions: TargetOptions;
  close(): Promise<void>;
}

export function ledgerSource(options: TargetOptions & { log?: (line: string) => void }): LedgerSource {
  const targetOptions: TargetOptions = {
    dataSource: options.dataSource,
    scripts: options.scripts,
    embedded: options.embedded,
    cwd: options.cwd,
    verbose: options.verbose,
    namespace: options.namespace,
  };
  for (const key of Object.keys(targetOptions) as (keyof TargetOptions)[]) if (targetOptions[key] === undefined) delete targetOptions[key];
  const settings = resolveTargetSettings(targetOptions);
  let opened: Promise<{ target: Target; pool: Pool }> | undefined;
  const open = () =>
    (opened ??= (async () => {
      const target = await openTarget({ ...settings, log: options.log ?? ((line) => console.error(line)) });
      const pg = postgresOptions(target.dataSource);
      registerUrlSecrets(pg.url);
      registerSecret(pg.password, pg.username);
      const pool = new Pool({ ...clientConfig(pg, "data-script-dashboard"), max: 3, idleTimeoutMillis: 10_000 });
      pool.on("error", () => undefined); // a dropped idle connection: the next query opens another
      return { target, pool };
    })());
  let cached: { at: number; statuses: Promise<ScriptStatus[]> } | undefined;
  let connected = false;
  // statusesOn opens the ledger (and, first, initialises and destroys the DataSource): one at a time.
  let chain: Promise<unknown> = Promise.resolve();
  const secretCache = new Map<string, string[]>();
  return {
    settings,
    targetOptions,
    sql: async (text, params) => {
      const { pool } = await open();
      return (await pool.query(text, params as unknown[])).rows;
    },
    statuses(maxAgeMs = 2_000) {
      if (cached && Date.now() - cached.at < maxAgeMs) return cached.statuses;
      const next = chain.then(async () => {
        const { target } = await open();
        // The DataSource is initialised (its migrations run) on the first read only, not on every poll.
        const statuses = await statusesOn(settings, listScripts(scriptsFolder(settings), settings.scripts), target, true, !connected);
        connected = true;
        return statuses;
      });
      chain = next.catch(() => undefined);
      cached = { at: Date.now(), statuses: next };
      next.catch(() => (cached = undefined));
      return next;
    },
    secretKeys(script) {
      const known = secretCache.get(script);
      if (known) return known;
      let keys: string[] = [];
      try {
        const entry = listScripts(scriptsFolder(settings), settings.scripts).find((s) => s.name === script);
        if (entry) keys = declaredSecrets(loadScript(entry).script.constructor);
      } catch {
        // a script that does not load declares nothing; credential-looking names are masked anyway
      }
      secretCache.set(script, keys);
      return keys;
    },
    async close() {
      if (!opened) return;
      const { target, pool } = await opened.catch(() => ({ target: undefined, pool: undefined }));
      await pool?.end().catch(() => undefined);
      await target?.release();
    },
  };
}
