import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { describeKey } from "../bulk/change-set";
import type { RowFailure } from "../ledger/ledger";
import type { ChunkSample } from "../messages";
import { REMOVE } from "../script/data-script";
import type { WrittenRows } from "../undo/undo-image";

/** The chunk a writer works on: its number and key range (table kind) or inputs (source kind), and which attempt this is. */
export interface ChunkWork {
  chunkNo: number;
  lo: string | null;
  hi: string | null;
  /** 1 for the first attempt. */
  attempt: number;
  inputs?: unknown[];
  /** An --input file's: the line each input starts on. */
  lines?: number[];
  /** Rows (keys) or inputs recorded as failed by an earlier attempt under --continue-on-error. */
  retryFailures?: { id: number; key: unknown; input: unknown }[];
}

/** What a chunk's writer hands back: the rows written (for afterSave) and the rows that failed (--continue-on-error). */
export interface ChunkWrite {
  written: ObjectLiteral[];
  failures: RowFailure[];
  /** What the before-images are taken from: the rows updated (with their state before), inserted, and deleted (whole). */
  undo?: WrittenRows;
}

/**
 * Chunk-level script failure: names the chunk and the row. `retryable`: the
 * script's code threw (the chunk is tried again); otherwise the script broke
 * the runner's contract, which no retry mends.
 */
export class ScriptError extends Error {
  override name = "ScriptError";
  readonly retryable: boolean;
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** Before → after examples a dry run reports, per chunk. */
export const SAMPLE_LIMIT = 3;

/** A dry run's before → after example; long values are cut so a summary stays readable. */
export function sampleOf(metadata: EntityMetadata, before: ObjectLiteral | undefined, after: ObjectLiteral, columns: EntityMetadata["columns"]): ChunkSample {
  const pick = (e: ObjectLiteral | undefined) =>
    Object.fromEntries(columns.map((c) => [c.propertyPath, e ? shorten(c.getEntityValue(e)) : undefined]));
  return { key: describeKey(metadata, before ?? after), before: pick(before), after: pick(after) };
}

const SAMPLE_TEXT_LIMIT = 120;

function shorten(value: unknown): unknown {
  if (typeof value === "string" && value.length > SAMPLE_TEXT_LIMIT) return `${value.slice(0, SAMPLE_TEXT_LIMIT)}… (${value.length} chars)`;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  // REMOVE removes a loaded row: a source-kind script has none to remove.
  if (value === REMOVE) return "REMOVE (which only a table-kind script can return, for a row it was given)";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return !name || name === "Object" ? "a plain object" : `a ${name}`;
  }
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function preview(input: unknown): string {
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
