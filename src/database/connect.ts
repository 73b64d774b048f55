import type { DataSource } from "typeorm";
import { UsageError } from "../errors";
import { describeTarget, postgresOptions } from "./postgres-options";
import { redactSecrets, registerSecret, registerUrlSecrets, writtenPassword } from "./redact";

/** Initialises the DataSource, turning "cannot connect" into a clear, secret-free usage error (exit 2). */
export async function connectDataSource(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) return;
  const options = postgresOptions(dataSource);
  registerConnectionSecrets(options);
  const target = describeTarget(options);
  checkUrl(options.url);
  try {
    await dataSource.initialize();
  } catch (error) {
    let reason = redactSecrets((error as Error)?.message ?? String(error));
    if (/timeout/i.test(reason) && options.connectTimeoutMS) {
      reason += ` (no answer within ${options.connectTimeoutMS} ms; the data source's connectTimeoutMS sets the limit)`;
    }
    throw new UsageError(`cannot connect to the database at ${target}: ${reason}`, { cause: error });
  }
}

/** The data source's passwords, masked from here on in every output and every ledger row this process writes. */
export function registerConnectionSecrets(options: { url?: string; password?: unknown; username?: string }): void {
  registerUrlSecrets(options.url);
  registerSecret(options.password, options.username);
}

/**
 * A password with an unencoded `@`, `#`, `/` or `?` makes the URL mean something else
 * (`#` starts a fragment: the driver would use part of the password as the host name).
 */
function checkUrl(url: string | undefined): void {
  const written = url && writtenPassword(url);
  if (!url || written === undefined) return;
  let parsed: string;
  try {
    parsed = decodeURIComponent(new URL(url).password);
  } catch {
    throw new UsageError("the database URL is not a valid URL (it is not shown: it holds a password); check DATABASE_URL or the data source's url");
  }
  let intended = written;
  try {
    intended = decodeURIComponent(written);
  } catch {
    // a literal `%`: not what a parser reads either
  }
  if (parsed !== intended) {
    throw new UsageError(
      "the database URL does not parse as written: its password has characters that must be percent-encoded " +
        "(@ as %40, # as %23, / as %2F, ? as %3F, % as %25, space as %20); the URL is not shown",
    );
  }
}
