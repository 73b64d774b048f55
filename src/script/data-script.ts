import type { DataSource, EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from "typeorm";

/** What every hook receives. */
export interface ScriptContext {
  /** The worker's own DataSource (re-initialised in each child process). */
  dataSource: DataSource;
  /** The chunk's transactional manager (in `setup`: the DataSource's manager). */
  manager: EntityManager;
  dryRun: boolean;
  /** 1-based worker number; 0 when running in-process. */
  workerId: number;
  /** Script parameters from `--param key=value`. */
  params: Record<string, string>;
  log: (...args: unknown[]) => void;
  /** The chunk being processed (absent in `setup`); `attempt` is 1 the first time it is tried. */
  chunk?: { number: number; lo?: string | null; hi?: string | null; attempt: number };
}

/** `mutate` may return `false` to skip a row (table kind) or an input (source kind). */
export type MutateResult<T> = void | boolean | T | undefined | Promise<void | boolean | T | undefined>;

/**
 * Base class of every data script. Table kind: rows of `entity` are scanned in
 * primary-key order and changed in place by `mutate`. Source kind: `source()`
 * yields JSON-serialisable inputs and `mutate` returns a new entity for each.
 */
export abstract class DataScript<T extends ObjectLiteral = ObjectLiteral, Input = unknown> {
  /** One line shown by `data-script status`. */
  static description?: string;
  /** The entity class the script reads (table kind) or writes (source kind). */
  abstract entity: EntityTarget<T>;
  /** Rows per chunk (= per transaction, per statement). */
  chunkSize = 1_000;
  /** Load each chunk with `SELECT … FOR UPDATE`. */
  lock = false;
  /** Source kind: upsert on this unique key instead of inserting. */
  upsertOn?: string[];
  /** Keep before-images so `data-script revert` can undo a run (false: this script's runs cannot be reverted). */
  keepUndo = true;
  /** Per-chunk `SET LOCAL lock_timeout` / `statement_timeout`, in ms. */
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;

  /** Optional filter for the table kind; `qb` selects `entity` under its alias. */
  where?(qb: SelectQueryBuilder<T>, ctx: ScriptContext): SelectQueryBuilder<T>;
  /** Makes the script a source-kind script. */
  source?(ctx: ScriptContext): AsyncIterable<Input> | Iterable<Input>;
  /** Once per worker, after its DataSource is initialised. */
  setup?(ctx: ScriptContext): void | Promise<void>;
  /** Per row (table kind: change it in place) or per input (source kind: return an entity). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract mutate(item: any, ctx: ScriptContext): MutateResult<T>;
  /** Per chunk, after its transaction committed, with the rows written. At least once. */
  afterSave?(rows: T[], ctx: ScriptContext): void | Promise<void>;
}

export function isSourceScript(script: DataScript): boolean {
  return typeof script.source === "function";
}
