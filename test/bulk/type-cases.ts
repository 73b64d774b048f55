import { Mood } from "../fixtures/bulk/entities";

/**
 * One case per column type of the Types twins: the values that must
 * round-trip (as TypeORM hydrates them back, so a reload compares equal), and
 * the array type the bulk statement must bind the column as.
 */
export interface TypeCase {
  prop: string;
  column: string;
  paramType: string;
  /** How the statement reads the value back from the unnest alias, when not plainly `v."column"`. */
  read?: string;
  /** The column's default expression, used for rows that leave it undefined. */
  fallback?: string;
  values: unknown[];
}

export const typeCases: TypeCase[] = [
  { prop: "int", column: "int", paramType: "integer[]", values: [0, -2147483648, 2147483647, null] },
  { prop: "big", column: "big", paramType: "bigint[]", values: ["9223372036854775807", "-9223372036854775808", "0", null] },
  {
    prop: "num",
    column: "num",
    paramType: "numeric[]",
    values: ["12345678901234567890.0123456789", "0.1000000000", "-0.0000000001", null],
  },
  { prop: "dec", column: "dec", paramType: "numeric[]", values: ["9999999999.99", "0.10", null] },
  { prop: "flag", column: "flag", paramType: "boolean[]", values: [true, false, null] },
  {
    prop: "short",
    column: "short",
    paramType: "character varying[]",
    values: ["", "exactly12chr", "naïve ☃ {x}", 'a,b"c\'d\\e', "NULL", null],
  },
  { prop: "body", column: "body", paramType: "text[]", values: ["", "two\nlines\ttab", "NULL", " padded ", null] },
  { prop: "ref", column: "ref", paramType: "uuid[]", values: ["0b7c7a36-1f0e-4e5e-9d6a-2d3f3b1c9a10", "00000000-0000-0000-0000-000000000000", null] },
  {
    prop: "atz",
    column: "atz",
    paramType: "timestamp with time zone[]",
    values: [new Date("2024-02-29T23:59:59.123Z"), new Date(0), new Date("1969-07-20T20:17:40.000Z"), null],
  },
  {
    prop: "at",
    column: "at",
    paramType: "timestamp without time zone[]",
    values: [new Date("2024-02-29T23:59:59.123Z"), new Date("2000-01-01T00:00:00.001Z"), null],
  },
  { prop: "day", column: "day", paramType: "date[]", values: ["2024-02-29", "1999-12-31", "0001-01-01", null] },
  {
    prop: "doc",
    column: "doc",
    paramType: "json[]",
    values: [{ a: 1, b: [1, "x", null], "quo\"te": "{}" }, [1, 2, { c: null }], "a string", 42, true, {}, [], null],
  },
  {
    prop: "docb",
    column: "docb",
    paramType: "jsonb[]",
    values: [{ a: 1, nested: { b: [true, "x,y"] } }, ["a", "b"], "a \"string\"", 0, false, {}, [], null],
  },
  { prop: "mood", column: "mood", paramType: '"types_bulk_mood_enum"[]', values: [Mood.Happy, Mood.SoSo, Mood.Sad, null] },
  { prop: "smood", column: "smood", paramType: '"types_bulk_smood_enum"[]', values: [Mood.Happy, Mood.SoSo, null] },
  { prop: "shout", column: "shout", paramType: "text[]", values: ["quiet", "", null] },
  { prop: "tags", column: "tags", paramType: "text[]", values: [["a", "b"], ["one"], ["x y", "{z}"], [], null] },
  { prop: "meta", column: "meta", paramType: "text[]", values: [{ a: [1, "two"] }, ["x"], "str", 3.5, null] },
  {
    prop: "labels",
    column: "labels",
    paramType: "text[]",
    read: 'v."labels"::text[]',
    values: [[], ["a,b", 'quo"te', "back\\slash", "", "NULL", "{braces}"], ["one"], ["with null", null], null],
  },
  { prop: "nums", column: "nums", paramType: "text[]", read: 'v."nums"::integer[]', values: [[], [1, -2, 2147483647], [0], null] },
  {
    prop: "blob",
    column: "blob",
    paramType: "bytea[]",
    values: [Buffer.from([0, 1, 255, 92, 44, 34, 123]), Buffer.alloc(0), Buffer.from("text"), null],
  },
  { prop: "order", column: "order", paramType: "integer[]", values: [1, -1, null] },
  { prop: "user", column: "user", paramType: "text[]", values: ["select", "", null] },
  { prop: "mixedCase", column: "MixedCase", paramType: "text[]", values: ["MiXeD", "", null] },
  { prop: "dflt", column: "dflt", paramType: "text[]", fallback: "'dflt'", values: ["x", "", null] },
  { prop: "score", column: "score", paramType: "integer[]", fallback: "'7'", values: [0, 100, -5] },
];

/**
 * A detached copy, so twin entities never share a mutable value. Not
 * structuredClone: under jest that is the outer realm's, and its objects fail
 * TypeORM's constructor check (deepCompare), which would count them as changed.
 */
export function cloneValue<V>(value: V): V {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return new Date(value.getTime()) as V;
  if (Buffer.isBuffer(value)) return Buffer.from(value) as V;
  if (Array.isArray(value)) return value.map(cloneValue) as V;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneValue(v)])) as V;
}
