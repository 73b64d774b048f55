import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { DateUtils } from "typeorm/util/DateUtils";
import { OrmUtils } from "typeorm/util/OrmUtils";
import { sameBytes } from "./bytes";

/**
 * SubjectChangedColumnsComputer.computeDiffColumns for one column without a
 * transformer, both TypeORM lines (they differ only in where a transformer is
 * applied): whether `entityValue` (not undefined) is a change from
 * `databaseValue`. Special values are normalised by TypeORM's own DateUtils and
 * compared by its OrmUtils.deepCompare, exactly as the computer does; the
 * compiled differ calls this for the column types it does not inline.
 */
export function columnChanged(column: ColumnMetadata, entityValue: unknown, databaseValue: unknown): boolean {
  // Whatever the values are, the computer calls the same helpers on them: so does this.
  let now = entityValue as any;
  let before = databaseValue as any;
  if (now !== null && before !== null) {
    const normalise = (f: (v: unknown) => unknown) => {
      now = column.isArray ? now.map((v: unknown) => f(v)) : f(now);
      before = column.isArray ? before.map((v: unknown) => f(v)) : f(before);
    };
    switch (column.type) {
      case "date":
        normalise((v) => DateUtils.mixedDateToDateString(v as Date));
        break;
      case "time":
      case "time with time zone":
      case "time without time zone":
      case "timetz":
        normalise((v) => DateUtils.mixedDateToTimeString(v as Date));
        break;
      case "datetime":
      case "datetime2":
      case Date:
      case "timestamp":
      case "timestamp without time zone":
      case "timestamp with time zone":
      case "timestamp with local time zone":
      case "timestamptz":
        normalise((v) => DateUtils.mixedDateToUtcDatetimeString(v as Date));
        break;
      case "json":
      case "jsonb":
        if (OrmUtils.deepCompare(now, before)) return false;
        break;
      case "simple-array":
        now = DateUtils.simpleArrayToString(now);
        before = DateUtils.simpleArrayToString(before);
        break;
      case "simple-enum":
        now = DateUtils.simpleEnumToString(now);
        before = DateUtils.simpleEnumToString(before);
        break;
      case "simple-json":
        now = DateUtils.simpleJsonToString(now);
        before = DateUtils.simpleJsonToString(before);
        break;
    }
  }
  if (column.isArray) return !OrmUtils.deepCompare(now, before);
  return now !== before && !sameBytes(now, before);
}
