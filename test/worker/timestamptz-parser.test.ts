import { Client, types } from "pg";
import { installTimestamptzParser, parseTimestamptz } from "../../src/worker/timestamptz-parser";
import { createTestDatabase, type TestDatabase } from "../support/database";

// The runner's processes parse timestamptz with their own parser: it must give the Date node-pg gives.
const nodePg = types.getTypeParser(1184, "text") as (text: string) => unknown;

function pad(n: number, width: number) {
  return String(n).padStart(width, "0");
}

test("returns node-pg's Date for 20,000 random timestamps: 1–6 fraction digits, offsets ±HH and ±HH:MM, years 100–9999", () => {
  let seed = 42;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 20_000; i++) {
    const fraction = next(7) === 0 ? "" : `.${pad(next(1_000_000), 6).slice(0, 1 + next(6))}`;
    const hours = pad(next(15), 2);
    const offset = [`+${hours}`, `-${hours}`, `+${hours}:${pad(next(60), 2)}`, `-${hours}:30`, "+00"][next(5)];
    const text = `${pad(100 + next(9_900), 4)}-${pad(1 + next(12), 2)}-${pad(1 + next(28), 2)} ${pad(next(24), 2)}:${pad(next(60), 2)}:${pad(next(60), 2)}${fraction}${offset}`;
    expect(parseTimestamptz(text)?.getTime()).toBe((nodePg(text) as Date).getTime());
  }
});

test("every fraction of 1 to 5 digits gives node-pg's millisecond (the same rounding of the same decimal)", () => {
  for (let digits = 1; digits <= 5; digits++) {
    for (let f = 0; f < 10 ** digits; f++) {
      const text = `2024-06-30 12:34:56.${pad(f, digits)}+00`;
      const mine = parseTimestamptz(text)?.getTime();
      if (mine !== (nodePg(text) as Date).getTime()) expect({ text, mine }).toEqual({ text, mine: (nodePg(text) as Date).getTime() });
    }
  }
});

test("leaves every other shape to node-pg: BC, infinity, seconds in the offset, years below 100 or above 9999", () => {
  for (const text of ["0044-03-15 12:00:00+00 BC", "infinity", "-infinity", "1900-01-01 00:00:00+00:19:32", "0099-12-31 23:59:59+00", "12345-01-01 00:00:00+00", "2024-01-01 00:00:00.+00", "2024-01-01T00:00:00Z", "garbage"]) {
    expect(parseTimestamptz(text)).toBeUndefined();
  }
});

describe("installed, against PostgreSQL in several time zones", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("timestamptz");
  });
  afterAll(async () => {
    await db.drop();
  });

  it("reads the same instants as node-pg's parser", async () => {
    installTimestamptzParser();
    expect(types.getTypeParser(1184, "text")).not.toBe(nodePg);
    // node-pg's own parser, given explicitly: the installed one replaces the global default.
    const original = { getTypeParser: (oid: number, format?: string) => (oid === 1184 ? nodePg : types.getTypeParser(oid, format as "text")) };
    const plain = new Client({ connectionString: db.url, types: original as never });
    await plain.connect();
    const values = ["2024-02-29 23:59:59.999999+00", "1970-01-01 00:00:00+00", "0001-01-01 00:00:00+00", "0044-03-15 12:00:00+00 BC", "1901-06-01 12:00:00.5+00", "9999-12-31 23:59:59.123+00", "infinity", "-infinity"];
    const sql = `SELECT v::timestamptz AS v FROM unnest($1::text[]) AS v`;
    try {
      for (const zone of ["UTC", "Asia/Kolkata", "America/St_Johns", "Africa/Monrovia", "Pacific/Chatham"]) {
        await plain.query(`SET TIME ZONE '${zone}'`);
        const expected = (await plain.query(sql, [values])).rows.map((r) => String(r.v instanceof Date ? r.v.getTime() : r.v));
        const fast = new Client({ connectionString: db.url });
        await fast.connect();
        await fast.query(`SET TIME ZONE '${zone}'`);
        const actual = (await fast.query(sql, [values])).rows.map((r) => String(r.v instanceof Date ? r.v.getTime() : r.v));
        await fast.end();
        expect(actual).toEqual(expected);
      }
    } finally {
      await plain.end();
    }
  });
});

test("installed: a text repeated from the previous value gives a new Date of the same instant (rows of one statement share CURRENT_TIMESTAMP)", () => {
  installTimestamptzParser();
  const parse = types.getTypeParser(1184, "text") as (text: string) => Date;
  const text = "2024-05-06 07:08:09.123456+02";
  const first = parse(text);
  const again = parse(text);
  expect(again).not.toBe(first);
  expect(again.getTime()).toBe(first.getTime());
  again.setTime(0); // a script changing one row's Date in place leaves the others alone
  expect(parse(text).getTime()).toBe(first.getTime());
  expect(parse("infinity")).toBe(Infinity);
  expect(parse(text).getTime()).toBe((nodePg(text) as Date).getTime());
});
