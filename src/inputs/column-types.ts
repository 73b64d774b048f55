import type { ColumnType } from "./input-options";

/**
 * Applies a script's per-column types to one record, in the worker (so a
 * bad cell fails its chunk like any other bad row: rolled back, or recorded
 * under --continue-on-error). Throws a message that names the column and the value.
 */
export function convertColumns(record: unknown, columns: Record<string, ColumnType> | undefined): unknown {
  if (!columns || record === null || typeof record !== "object" || Array.isArray(record)) return record;
  const converted: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  for (const [column, type] of Object.entries(columns)) {
    if (!(column in converted)) continue;
    converted[column] = convertValue(converted[column], type, column);
  }
  return converted;
}

function convertValue(value: unknown, type: ColumnType, column: string): unknown {
  const fail = (what: string): never => {
    throw new Error(`column ${column}: ${JSON.stringify(value)} is not ${what}`);
  };
  if (typeof type === "function") {
    try {
      return type(value as string);
    } catch (error) {
      throw new Error(`column ${column}: ${(error as Error)?.message ?? String(error)} (value ${JSON.stringify(value)})`, { cause: error });
    }
  }
  if (type === "string") return value;
  // An empty CSV cell (or a JSON null) of a typed column is null, not 0, false or an invalid date.
  if (value === null || value === undefined || value === "") return null;
  const text = typeof value === "string" ? value.trim() : undefined;
  switch (type) {
    case "number": {
      const n = text === undefined ? value : text === "" ? NaN : Number(text);
      return typeof n === "number" && Number.isFinite(n) ? n : fail("a number");
    }
    case "integer": {
      const n = text === undefined ? value : /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
      return typeof n === "number" && Number.isSafeInteger(n) ? n : fail("an integer");
    }
    case "boolean": {
      if (typeof value === "boolean") return value;
      const t = text?.toLowerCase();
      if (t === "true" || t === "1" || t === "yes") return true;
      if (t === "false" || t === "0" || t === "no") return false;
      return fail("a boolean (true/false, 1/0, yes/no)");
    }
    case "date": {
      const date = typeof value === "string" || typeof value === "number" ? new Date(value) : undefined;
      return date && !Number.isNaN(date.getTime()) ? date : fail("a date");
    }
    case "json": {
      if (text === undefined) return value;
      try {
        return JSON.parse(text);
      } catch {
        return fail("JSON");
      }
    }
    default:
      throw new Error(`column ${column}: unknown column type ${JSON.stringify(type)} (use string, number, integer, boolean, date, json or a function)`);
  }
}
