import type { DataSource, EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import type { InputOptions } from "../inputs/input-options";
import type { ParamsOf, UntypedParams } from "./params";

/**
 * What every hook receives. `P` types `params`: the script's parameter schema
 * (`ScriptContext<typeof params>`: the schema's output type) or the type itself.
 */
export interface ScriptContext<P = UntypedParams> {
  /** The worker's own DataSource (re-initialised in each child process). */
  dataSource: DataSource;
  /** The chunk's transactional manager (in `setup`: the DataSource's manager). */
  manager: EntityManager;
  dryRun: boolean;
  /** 1-based worker number; 0 when running in-process. */
  workerId: number;
  /** Script parameters (`--param key=value`, `--params-file`), validated by `static params` when the script declares it. */
  params: ParamsOf<P>;
  log: (...args: unknown[]) => void;
  /** The chunk being processed (absent in `setup`); `attempt` is 1 the first time it is tried. */
  chunk?: { number: number; lo?: string | null; hi?: string | null; attempt: number };
}

/** What the base class's hooks take: a script's own hooks narrow it to `ScriptContext<typeof params>`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyScriptContext = ScriptContext<any>;

/**
 * Table kind: `return REMOVE` from `mutate` removes the row. The chunk's removed rows go in one
 * `DELETE` (beforeRemove/afterRemove fire as `remove()` fires them); an entity with a
 * `@DeleteDateColumn` is soft-removed instead (one `UPDATE`, beforeSoftRemove/afterSoftRemove,
 * as `softRemove()`), unless the script sets `hardDelete = true`. Changes `mutate` made to a row
 * it removes are not written. Compared by identity.
 */
export const REMOVE: Remove = removeMarker();

/**
 * The marker's type. An object, not a symbol: TypeScript widens a `unique symbol` a method returns
 * to `symbol`, which `mutate`'s return type could not tell from any other.
 */
export interface Remove {
  readonly dataScript: "remove";
}

/** One marker per process, kept on globalThis: two copies of the package (the app's and the runner's) hand out the same. */
function removeMarker(): Remove {
  const registry = globalThis as unknown as Record<symbol, Remove | undefined>;
  const key = Symbol.for("typeorm-data-script.remove");
  return (registry[key] ??= Object.freeze({ dataScript: "remove" as const }));
}

/** `mutate` may return `false` to skip a row (table kind) or an input (source kind), or (table kind) `REMOVE` to remove the row. */
export type MutateResult<T> = void | boolean | T | Remove | undefined | Promise<void | boolean | T | Remove | undefined>;

/**
 * Base class of every data script. Table kind: rows of `entity` are scanned in
 * primary-key order and changed in place by `mutate`. Source kind: `source()`
 * yields JSON-serialisable inputs and `mutate` returns a new entity for each.
 */
export abstract class DataScript<T extends ObjectLiteral = ObjectLiteral, Input = unknown> {
  /** One line shown by `data-script status`. */
  static description?: string;
  /**
   * The script's parameters, as a Standard Schema (zod, valibot, arktype…) object schema:
   * validated before the run connects or forks; a key it does not declare is refused.
   */
  static params?: unknown;
  /**
   * Parameters that are secrets (`["apiToken"]`): validated and passed to the workers, but never
   * stored in the ledger (a checksum is, to compare on resume), shown by `status` or quoted in a message.
   */
  static secretParams?: readonly string[];
  /** The entity class the script reads (table kind) or writes (source kind). */
  abstract entity: EntityTarget<T>;
  /** Rows per chunk (= per transaction, per statement). */
  chunkSize = 1_000;
  /**
   * Table kind: the entity properties `mutate` reads and writes (`["username"]`; a relation with a
   * join column loads its key). When nothing else sees the entity's rows (no entity listener, no
   * subscriber with an entity event), each chunk loads only these columns, the primary key and the
   * version / update-date / delete-date columns; otherwise whole rows. With partial rows, setting a
   * property outside `select` fails the chunk, and afterSave gets the partial entities.
   */
  select?: readonly string[];
  /** Load each chunk with `SELECT … FOR UPDATE`. */
  lock = false;
  /** Source kind: upsert on this unique key instead of inserting. */
  upsertOn?: string[];
  /** Keep before-images so `data-script revert` can undo a run (false: this script's runs cannot be reverted). */
  keepUndo = true;
  /** Reads its inputs from `--input <file|->` (CSV or JSON lines, optionally gzipped): the format and column types. */
  input?: InputOptions;
  /** Table kind, an entity with a `@DeleteDateColumn`: rows `mutate` returns `REMOVE` for are deleted, not soft-removed. */
  hardDelete = false;
  /** Per-chunk `SET LOCAL lock_timeout` / `statement_timeout`, in ms. */
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;

  /** Optional filter for the table kind; `qb` selects `entity` under its alias. */
  where?(qb: SelectQueryBuilder<T>, ctx: AnyScriptContext): SelectQueryBuilder<T>;
  /** Makes the script a source-kind script. */
  source?(ctx: AnyScriptContext): AsyncIterable<Input> | Iterable<Input>;
  /** Once per worker, after its DataSource is initialised. */
  setup?(ctx: AnyScriptContext): void | Promise<void>;
  /** Per row (table kind: change it in place) or per input (source kind: return an entity). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract mutate(item: any, ctx: AnyScriptContext): MutateResult<T>;
  /**
   * Asked (in the parent, every few seconds) before chunks are handed out: return a reason to
   * hold the run (e.g. "search cluster busy"), or nothing to go on.
   */
  throttle?(ctx: ScriptContext<any>): string | boolean | undefined | null | Promise<string | boolean | undefined | null>;
  /** Per chunk, after its transaction committed, with the rows written. At least once. */
  afterSave?(rows: T[], ctx: AnyScriptContext): void | Promise<void>;
}

/** What a hook returned is a promise (awaited) rather than a value (no microtask turn spent). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/** Source kind: its inputs come from `source()` or from an `--input` file. */
export function isSourceScript(script: DataScript): boolean {
  return typeof script.source === "function" || script.input !== undefined;
}

/** Source kind without upsertOn: every input is a new row, so applying a chunk twice doubles its rows. */
export function insertsRows(script: DataScript): boolean {
  return isSourceScript(script) && !script.upsertOn?.length;
}
