import { prepareValue } from "pg/lib/utils";
import { arrayLiteral } from "../../src/bulk/array-literal";
import { createTestDatabase, type TestDatabase } from "../support/database";

// arrayLiteral replaces node-pg's own array encoding for every unnest parameter:
// it must produce exactly node-pg's text, and PostgreSQL must read back what was sent.

const HOSTILE = ['', ' ', '"', '\\', '\\"', '""', 'a,b', '{x}', 'NULL', 'null', "it's", 'tab\there', 'line\nbreak', 'ü ñ 😀', '\\\\x41', ' lead', 'trail '];

function randomString(seed: number): string {
  const alphabet = ['a', 'Z', '"', '\\', ',', '{', '}', ' ', '\n', 'é', '😀', "'", '0'];
  let out = "";
  let x = seed;
  for (let i = 0; i < seed % 12; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += alphabet[x % alphabet.length];
  }
  return out;
}

describe("arrayLiteral", () => {
  it("produces node-pg's array literal for strings, numbers, booleans, bigints, nulls, dates, buffers, objects and nested arrays", () => {
    const cases: unknown[][] = [
      [],
      [null, undefined],
      HOSTILE,
      Array.from({ length: 2_000 }, (_, i) => randomString(i)),
      [0, -1, 1.5, 2 ** 53, -0, NaN, Infinity],
      [true, false, null],
      // Without NULLs or characters to escape: the single-join path.
      ["plain", "", "a,b", "{x}", "NULL", "ü 😀", "tab\there"],
      [true, false],
      [3, -0, 1e21],
      [10n, -(2n ** 63n)],
      [new Date("2024-02-29T23:59:59.123Z"), new Date(0)],
      [Buffer.from([0, 1, 255]), new Uint8Array([7, 8])],
      [{ a: 1, b: 'x"y' }, [1, 2]],
      [["a", null], ["\\", '"']],
    ];
    for (const values of cases) expect(arrayLiteral(values)).toBe(prepareValue(values));
  });

  describe("read back by PostgreSQL", () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase("array_literal");
    });
    afterAll(async () => {
      await db.drop();
    });

    it("returns every text element as sent, NULL as null", async () => {
      const values = [...HOSTILE, null, ...Array.from({ length: 500 }, (_, i) => randomString(i * 7 + 3))];
      const [row] = await db.query<{ v: (string | null)[] }>(`SELECT $1::text[] AS v`, [arrayLiteral(values)]);
      expect(row.v).toEqual(values);
    });

    it("returns integers, booleans and bigints as sent", async () => {
      const [row] = await db.query<{ i: number[]; b: boolean[]; n: string[] }>(`SELECT $1::int[] AS i, $2::boolean[] AS b, $3::bigint[] AS n`, [
        arrayLiteral([1, -2, 2147483647, null]),
        arrayLiteral([true, false, null]),
        arrayLiteral([9007199254740993n, -1n]),
      ]);
      expect(row).toEqual({ i: [1, -2, 2147483647, null], b: [true, false, null], n: ["9007199254740993", "-1"] });
    });
  });
});

test("the tests' reader gets back the elements arrayLiteral was given, as text", () => {
  const { parseArrayLiteral } = require("../support/array-literal") as typeof import("../support/array-literal");
  const values = [...HOSTILE, null, "x"];
  expect(parseArrayLiteral(arrayLiteral(values))).toEqual(values);
  expect(parseArrayLiteral(arrayLiteral([1, true, null]))).toEqual(["1", "true", null]);
  expect(parseArrayLiteral("{}")).toEqual([]);
});

test("dates: node-pg's own text for random instants over ±12,000 years (BC included), invalid dates, and with parseInputDatesAsUTC", () => {
  const { defaults } = require("pg") as typeof import("pg");
  let x = 7;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  const dates = [new Date(NaN), new Date(0), new Date(-1), new Date(Date.UTC(0, 0, 1)), new Date(Date.UTC(-1, 11, 31, 23, 59, 59, 999)), new Date(8.64e15), new Date(-8.64e15)];
  for (let i = 0; i < 20_000; i++) dates.push(new Date((next() / 2147483648 - 0.5) * 2 * 4e14 + (next() % 1000)));
  for (const utc of [false, true]) {
    const before = defaults.parseInputDatesAsUTC;
    defaults.parseInputDatesAsUTC = utc;
    try {
      expect(arrayLiteral(dates)).toBe(prepareValue(dates));
    } finally {
      defaults.parseInputDatesAsUTC = before;
    }
  }
});
