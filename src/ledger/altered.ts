import { UsageError } from "../errors";
import type { Sql } from "./sql";

const UNDEFINED_COLUMN = "42703";
const UNDEFINED_TABLE = "42P01";

/**
 * The ledger's statements, with a clear word when its tables were altered by hand (a dropped
 * column or table): the DDL runs only when the recorded version differs, so data-script does
 * not put back what was removed, and the driver's "column … does not exist" says nothing of why.
 */
export function alteredLedgerGuard(sql: Sql): Sql {
  return async (text, params) => {
    try {
      return await sql(text, params);
    } catch (error) {
      const code = (error as { code?: string })?.code;
      if (code !== UNDEFINED_COLUMN && code !== UNDEFINED_TABLE) throw error;
      throw new UsageError(
        `the ledger was altered by hand: ${(error as Error).message}. Restore its tables (data_script_*) as data-script created them; ` +
          `to have data-script add back the columns it can, clear its version mark (COMMENT ON TABLE data_script_runs IS NULL) and run again`,
        { cause: error },
      );
    }
  };
}
