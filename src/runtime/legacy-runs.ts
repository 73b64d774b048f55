import { UsageError } from "../errors";
import type { RunLedger } from "../ledger/ledger";

/**
 * A ledger written before namespaces holds runs with none. Each app claims the ones its
 * own script files ran (same name, and the latest real run's checksum is the file's); a run
 * it cannot tell is its own is refused loudly rather than taken for this app's (it may be
 * another app's script of the same name) or ignored (it may be this app's, edited since).
 */
export async function claimLegacyRuns(ledger: RunLedger, scripts: { name: string; checksum: string }[]): Promise<void> {
  const unclaimed = await ledger.claimLegacy(scripts);
  if (!unclaimed.length) return;
  const names = unclaimed.map((u) => quote(u.script)).join(", ");
  const update = (namespace: string) => `UPDATE data_script_runs SET namespace = ${namespace} WHERE namespace IS NULL AND script IN (${names});`;
  throw new UsageError(
    [
      `the ledger has runs recorded before ledger namespaces that this app (namespace "${ledger.namespace}") cannot tell are its own:`,
      ...unclaimed.map(
        (u) => `  ${u.script}: run #${u.id} (${u.status}) ran a script file with another checksum (sha256 ${u.checksum.slice(0, 12)}… then, ${u.fileChecksum.slice(0, 12)}… now)`,
      ),
      `They may be another app's script of the same name on this database. If they are this app's (its file changed since), claim them:`,
      `  ${update(quote(ledger.namespace))}`,
      `If they are another app's, run any data-script command in that app first (it claims what its files match), or give them its namespace:`,
      `  ${update("'<its namespace>'")}`,
    ].join("\n"),
  );
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
