import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { columnRef, readExpr } from "./column-access";
import { columnChanged } from "./column-changed";
import { compileFunction, identifier } from "./compile-function";
import { sameBytes } from "./bytes";
import { perEntity } from "./per-entity";

/** A row the compiled differ leaves to TypeORM's change computer (a value of a shape it does not inline). */
export const UNDECIDED = "slow";

/**
 * The columns save() would report in updatedColumns (a shared empty array when
 * none; `previous` itself when they are the same columns, so a second diff
 * after the before-listeners allocates nothing when they changed nothing), or UNDECIDED.
 */
export type Differ = (entity: ObjectLiteral, databaseEntity: ObjectLiteral, previous?: ColumnMetadata[]) => ColumnMetadata[] | typeof UNDECIDED;

const NOTHING: ColumnMetadata[] = [];
Object.freeze(NOTHING);

/**
 * The compiled form of SubjectChangedColumnsComputer.computeDiffColumns for an
 * entity: one comparison per diffed column, in metadata.columns order, each the
 * computer's own (=== for plain values, getTime() for two valid Dates, and
 * columnChanged() — TypeORM's DateUtils and deepCompare — for json, arrays,
 * simple-*, date and time columns). Null for entities TypeORM must diff itself:
 * relations (their join columns and collections), and transformers (the two
 * TypeORM lines apply them at different points).
 */
export const differFor = perEntity((metadata): Differ | null => (compilable(metadata) ? compileDiffer(metadata) : null));

/** The columns the computer diffs. */
function diffedColumns(metadata: EntityMetadata): ColumnMetadata[] {
  return metadata.columns.filter((c) => !c.isVirtual && !c.isDiscriminator);
}

function compilable(metadata: EntityMetadata): boolean {
  return metadata.relations.length === 0 && diffedColumns(metadata).every((c) => !c.transformer && !c.relationMetadata && !c.referencedColumn);
}

function compileDiffer(metadata: EntityMetadata): Differ {
  const context = new Map<string, unknown>([
    ["columnChanged", columnChanged],
    ["sameBytes", sameBytes],
    ["NOTHING", NOTHING],
    ["UNDECIDED", UNDECIDED],
  ]);
  const blocks = diffedColumns(metadata).map((column) => {
    const ref = columnRef(context, column);
    return [
      `  now = ${readExpr(context, column, "entity")};`,
      `  if (now !== undefined) {`,
      `    before = ${readExpr(context, column, "databaseEntity")};`,
      changedTest(column, ref),
      `    if (changed) {`,
      `      if (updated !== undefined) updated.push(${ref});`,
      `      else if (previous !== undefined && previous[same] === ${ref}) same++;`,
      `      else if (same === 0) updated = [${ref}];`,
      `      else { updated = previous.slice(0, same); updated.push(${ref}); }`,
      `    }`,
      `  }`,
    ].join("\n");
  });
  const source =
    `return function diff${identifier(metadata.name)}(entity, databaseEntity, previous) {\n` +
    `  let now, before, changed, a, b, updated, same = 0;\n` +
    `${blocks.join("\n")}\n` +
    `  if (updated !== undefined) return updated;\n` +
    `  return same === 0 ? NOTHING : same === previous.length ? previous : previous.slice(0, same);\n` +
    `}`;
  return compileFunction<Differ>(context, source);
}

const DATE_TIME = new Set(["datetime", "datetime2", "timestamp", "timestamp without time zone", "timestamp with time zone", "timestamp with local time zone", "timestamptz"]);
const NORMALISED = new Set(["date", "time", "time with time zone", "time without time zone", "timetz", "json", "jsonb", "simple-array", "simple-enum", "simple-json"]);

/** Code that sets `changed` for one column from `now` and `before`. */
function changedTest(column: ColumnMetadata, ref: string): string {
  const type = column.type;
  if (column.isArray || (typeof type === "string" && NORMALISED.has(type))) return `    changed = columnChanged(${ref}, now, before);`;
  if (type === Date || (typeof type === "string" && DATE_TIME.has(type))) {
    // The computer compares their UTC text to the millisecond: for two valid Dates, getTime().
    return [
      `    if (now === before) changed = false;`,
      `    else if (now === null || before === null) changed = true;`,
      `    else if (now instanceof Date && before instanceof Date && (a = now.getTime()) === a && (b = before.getTime()) === b) changed = a !== b;`,
      `    else return UNDECIDED;`,
    ].join("\n");
  }
  return `    changed = now !== before && (typeof now !== "object" || !sameBytes(now, before));`;
}
