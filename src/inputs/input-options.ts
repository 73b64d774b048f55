/**
 * How a script reads an `--input` file: declared on the script (`input = {…}`),
 * read by the parent (format) and by the workers (column types).
 */

/** A column's type: the built-in conversions of a cell's text, or your own function of it. */
export type ColumnType = "string" | "number" | "integer" | "boolean" | "date" | "json" | ((text: string) => unknown);

export interface InputOptions {
  /** Default: from the file name (`.csv`, `.jsonl`/`.ndjson`, each optionally `.gz`); for stdin, sniffed from its first byte. */
  format?: "csv" | "jsonl";
  /**
   * The file's text encoding: any label TextDecoder takes ("latin1", "windows-1252", "utf-16le").
   * Default UTF-8, checked: a byte sequence that is not UTF-8 stops the read, naming its line.
   */
  encoding?: string;
  /** CSV: the field delimiter. Default `,`. */
  delimiter?: string;
  /**
   * Per-column types, by header name. Without one a CSV cell stays a string (a JSON-lines
   * value stays as parsed). An empty cell of a typed column is `null`.
   */
  columns?: Record<string, ColumnType>;
}

/** One record of a file and the line it starts on (1-based), so errors can say "feed.csv line 31,337". */
export interface InputRecord {
  line: number;
  value: unknown;
}

/** `feed.csv line 31,337`: how messages name a record. */
export function lineLabel(file: string, line: number): string {
  return `${file} line ${line.toLocaleString("en-US")}`;
}
