import { redactSecrets } from "../database/redact";

/**
 * Text the ledger keeps about what went wrong (an error, a reason): every such
 * column takes a StoredText, and the only way to make one is `storedText`, at
 * the ledger's write boundary (ledger.ts). So no column can forget it:
 * - credentials are masked as the output masks them (a connection error may
 *   quote a URL with its password, a script's error a token);
 * - NUL, which a PostgreSQL text column refuses (the write would fail and
 *   leave the run `running`), is written as `\u0000`;
 * - a megabyte-long message (a script that throws a whole payload) is cut.
 */
export type StoredText = string & { readonly __storedText: unique symbol };

export const STORED_TEXT_MAX = 16_000;

export function storedText(text: string): StoredText;
export function storedText(text: string | null | undefined): StoredText | null;
export function storedText(text: string | null | undefined): StoredText | null {
  if (text === null || text === undefined) return null;
  let out = redactSecrets(String(text)).replace(/\0/g, "\\u0000");
  if (out.length > STORED_TEXT_MAX) out = `${out.slice(0, STORED_TEXT_MAX)}… (${(out.length - STORED_TEXT_MAX).toLocaleString("en-US")} more characters)`;
  return out as StoredText;
}
