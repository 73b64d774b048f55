import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { SubscriberMode } from "../data-source";
import { demoDatabaseUrl, DEMO_EMBEDDED_DIR } from "../demo";
import type { BenchPath } from "../seed";

/** How to start one timed run of a method, and how to read its result. */
export interface Invocation {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface MethodSpec {
  id: string;
  /** Row label in the results table. */
  label: string;
  path: BenchPath;
  /**
   * runner: the data-script CLI (reads its --json summary); child: a bench/methods or bench/raw process
   * (@@bench-result line); demo: `npm run demo` (its `run --pending` summary: the create and the rename).
   */
  kind: "runner" | "child" | "demo";
  subscriber: SubscriberMode;
  /** Largest N it runs at (the slow ORMs are left out of --large). */
  maxN: number;
  invocation(n: number, chunk: number, url: string): Invocation;
}

export const WORKERS = availableParallelism();

/** bench/raw/same-work-update.js's variants: flags joined by "+" (see that file and ledgered-chunks.js). */
const SAME_WORK_VARIANTS: [string, string][] = [
  ["lit+lz4", "the runner's image format (array literals in jsonb) and storage (lz4), separate INSERT"],
  ["lit+lz4+nosp", "as lit+lz4, no SAVEPOINT"],
  ["lit+lz4+cte", "as lit+lz4, the image INSERT in the UPDATE's statement (data-modifying CTE)"],
  ["lit+lz4+cte+mark", "as lit+lz4+cte, the chunk's mark in that statement too"],
  ["lit+lz4+cte+mark+nosp", "all of the above"],
  ["lit+lz4+imgmark", "as lit+lz4, the image INSERT and the mark in one statement after the UPDATE"],
  ["lit+lz4+imgmark+nosp", "as lit+lz4+imgmark, no SAVEPOINT"],
  ["lit+lz4+imgmark+retid", "as lit+lz4+imgmark, RETURNING the key only, the update date read once per chunk"],
  ["lit+lz4+imgmark+noret", "as lit+lz4+imgmark, nothing RETURNed"],
  ["lit+lz4+imgmark+fastdate", "as lit+lz4+imgmark, dates parsed by the runner's timestamptz parser (the statements the runner sends, parsed as it parses them)"],
  ["lit+lz4+noimg", "as lit+lz4, no before-image"],
  ["lit+lz4+narrow", "as lit+lz4, loading key and username only, nothing RETURNed"],
  ["lit+lz4+noimg+narrow+nosp", "only the ledger's claim, mark and counter row above the split's statements"],
];
const ALL = Infinity;
const NOT_LARGE = 100_000;

const node = process.execPath;
// The TypeScript hook the runner itself uses (bin/data-script.js), so ORM methods start the same way; @swc-node/register otherwise.
const PROJECT_HOOK = join(__dirname, "..", "..", "dist", "typescript", "preload.js");
const TS = ["-r", existsSync(PROJECT_HOOK) ? PROJECT_HOOK : "@swc-node/register"];

/** `workers` "default": no --workers (the runner chooses from its plan and the machine). */
function runnerArgs(script: string, workers: number | "default", n: number, path: BenchPath, extra: string[]): string[] {
  const args = [script, "--force", "--json", "--no-progress", "-d", "bench/data-source.ts", "--scripts", "bench/scripts", ...(workers === "default" ? [] : ["--workers", String(workers)]), ...extra];
  if (path !== "update") args.push("--param", `count=${n}`);
  return args;
}

function runner(
  id: string,
  label: string,
  path: BenchPath,
  script: string,
  workers: number | "default",
  subscriber: SubscriberMode,
  maxN = ALL,
  viaNpm = false,
  extra: string[] = [],
): MethodSpec {
  return {
    id,
    label,
    path,
    kind: "runner",
    subscriber,
    maxN,
    invocation: (n, _chunk, url) => ({
      command: viaNpm ? "npm" : node,
      args: viaNpm
        ? ["run", "--silent", "data-script", "--", ...runnerArgs(script, workers, n, path, extra)]
        : ["bin/data-script.js", ...runnerArgs(script, workers, n, path, extra)],
      env: { DATABASE_URL: url, BENCH_SUBSCRIBER: subscriber },
    }),
  };
}

function tsChild(id: string, label: string, path: BenchPath, file: string, subscriber: SubscriberMode, maxN = ALL): MethodSpec {
  return {
    id,
    label,
    path,
    kind: "child",
    subscriber,
    maxN,
    invocation: (n, chunk, url) => ({
      command: node,
      args: [...TS, `bench/methods/${file}`, JSON.stringify({ n, chunk, path })],
      env: { DATABASE_URL: url, BENCH_SUBSCRIBER: subscriber },
    }),
  };
}

function rawChild(id: string, label: string, path: BenchPath, file: string, maxN = ALL, extra: Record<string, unknown> = {}): MethodSpec {
  return {
    id,
    label,
    path,
    kind: "child",
    subscriber: "none",
    maxN,
    invocation: (n, chunk, url) => ({ command: node, args: [`bench/raw/${file}`, JSON.stringify({ url, n, chunk, ...extra })], env: { DATABASE_URL: url } }),
  };
}

/** A bare script started as the runner is in the README, through `npm run` (package.json "bench:bare"). */
function npmBare(id: string, label: string): MethodSpec {
  return {
    id,
    label,
    path: "update",
    kind: "child",
    subscriber: "none",
    maxN: ALL,
    invocation: (n, chunk, url) => ({ command: "npm", args: ["run", "--silent", "bench:bare", "--", JSON.stringify({ url, n, chunk })], env: { DATABASE_URL: url } }),
  };
}

/** `npm run demo` on the embedded server (DATABASE_URL unset, a fresh data folder) or on the bench's server (a fresh database). */
function demo(id: string, label: string, embedded: boolean): MethodSpec {
  return {
    id,
    label,
    path: "demo",
    kind: "demo",
    subscriber: "audit",
    maxN: NOT_LARGE,
    invocation: (n, _chunk, url) => ({
      command: "npm",
      args: ["run", "--silent", "demo", "--", "--json", "--no-progress", "--param", `count=${n}`],
      env: embedded ? { DATABASE_URL: "", DATA_SCRIPT_EMBEDDED_DIR: DEMO_EMBEDDED_DIR } : { DATABASE_URL: demoDatabaseUrl(url), DATA_SCRIPT_EMBEDDED_DIR: DEMO_EMBEDDED_DIR },
    }),
  };
}

const W = WORKERS;
const UPPER = "bench-upper-usernames";

/** Every method, in table order. Ids are stable: --only filters on them, the report looks some up. */
export const METHODS: MethodSpec[] = [
  // The update job: username = upper(username), computed in JavaScript.
  runner("a-runner-w1-count", `(a) runner, --workers 1, counting subscriber`, "update", UPPER, 1, "count"),
  runner(`a-runner-w${W}-count`, `(a) runner, --workers ${W}, counting subscriber`, "update", UPPER, W, "count"),
  runner("a-runner-wdefault-count", `(a) runner, --workers not given (chosen from the plan), counting subscriber`, "update", UPPER, "default", "count"),
  runner("a-runner-w1-audit", `(a) runner, --workers 1, audit subscriber`, "update", UPPER, 1, "audit", NOT_LARGE),
  runner(`a-runner-w${W}-audit`, `(a) runner, --workers ${W}, audit subscriber`, "update", UPPER, W, "audit"),
  runner(`a-npm-w${W}-count`, `(a) \`npm run data-script\`, --workers ${W}, counting`, "update", UPPER, W, "count", ALL, true),
  runner("a-npm-wdefault-count", `(a) \`npm run data-script\`, --workers not given, counting (the command as a user types it)`, "update", UPPER, "default", "count", ALL, true),
  runner(`a-runner-w${W}-stamp`, `(a) runner, --workers ${W}, subscriber setting a column in beforeUpdate`, "update", UPPER, W, "stamp"),
  runner(`a-runner-w${W}-count-noundo`, `(a) runner, --workers ${W}, counting, --no-undo (no before-images)`, "update", UPPER, W, "count", ALL, false, ["--no-undo"]),
  runner(`a-runner-w${W}-count-chunk5000`, `(a) runner, --workers ${W}, counting, --chunk-size 5000`, "update", UPPER, W, "count", NOT_LARGE, false, ["--chunk-size", "5000"]),
  tsChild("a-lib-bulkupdate-count", "bulkUpdate() in one process, no runner, counting", "update", "bulk-library.ts", "count"),
  tsChild("b-save-count", "(b) TypeORM save(…, {chunk: 1000}), counting", "update", "typeorm-save.ts", "count", NOT_LARGE),
  tsChild("b-save-audit", "(b) TypeORM save(…, {chunk: 1000}), audit", "update", "typeorm-save.ts", "audit", NOT_LARGE),
  tsChild("c-mikro-count", "(c) MikroORM 6 em.flush() per 1,000, counting", "update", "mikro-flush.ts", "count", NOT_LARGE),
  tsChild("c-mikro-audit", "(c) MikroORM 6 em.flush() per 1,000, audit", "update", "mikro-flush.ts", "audit", NOT_LARGE),
  rawChild("d-django-case", "(d) Django-style CASE WHEN, batches of 1,000 (pg)", "update", "django-case.js", NOT_LARGE),
  rawChild("e-raw-unnest", "(e) raw UPDATE … FROM unnest per 1,000 + key range (pg)", "update", "raw-unnest.js"),
  rawChild("e-raw-unnest-typeorm", "(e) the same bare script, loading typeorm first", "update", "raw-unnest-typeorm.js"),
  npmBare("e-npm-raw-unnest-typeorm", "(e) the same, loading typeorm first, as `npm run bench:bare`"),
  rawChild("e2-raw-unnest-split", "(e) split over 2 processes", "update", "raw-unnest-split.js"),
  rawChild("e3-raw-same-work", "(e′) raw pg doing the runner's database work: whole rows, RETURNING, ledger + before-image per chunk, 2 processes", "update", "same-work-update.js"),
  // (e′) variants (bench/raw/same-work-update.js `variant`): what each change to the runner's statements would save.
  ...SAME_WORK_VARIANTS.map(([v, label]) => rawChild(`e3v-${v}`, `(e′) variant ${v}: ${label}`, "update", "same-work-update.js", ALL, { variant: v })),
  rawChild("f-set-based", "(f) set-based UPDATE … SET username = upper(username)", "update", "set-based.js"),
  // The create path: N new rows.
  runner(`create-runner-w${W}-count`, `runner (source kind, bulkInsert), --workers ${W}, counting`, "create", "bench-create-users", W, "count"),
  runner("create-runner-wdefault-count", `runner (source kind, bulkInsert), --workers not given (chosen from the plan), counting`, "create", "bench-create-users", "default", "count"),
  tsChild("create-lib-bulkinsert-count", "bulkInsert() per 1,000 in one process, counting", "create", "bulk-library.ts", "count"),
  tsChild("create-save-count", "TypeORM save(…, {chunk: 1000}), counting", "create", "typeorm-save.ts", "count", NOT_LARGE),
  rawChild("create-raw-unnest", "raw INSERT … SELECT FROM unnest per 1,000 (pg)", "create", "raw-insert.js"),
  rawChild("create-raw-same-work", "raw pg doing the runner's database work: RETURNING, ledger + image per chunk, 2 processes", "create", "same-work-create.js"),
  // The upsert path: half new, half existing (by e-mail).
  runner(`upsert-runner-w${W}-count`, `runner (source kind, upsertOn email), --workers ${W}, counting`, "upsert", "bench-upsert-users", W, "count"),
  tsChild("upsert-lib-bulkupsert-count", "bulkUpsert() per 1,000 in one process, counting", "upsert", "bulk-library.ts", "count"),
  tsChild("upsert-typeorm-count", "TypeORM upsert(…, [\"email\"]) per 1,000, counting", "upsert", "typeorm-upsert.ts", "count"),
  rawChild("upsert-raw-unnest", "raw INSERT … FROM unnest ON CONFLICT per 1,000 (pg)", "upsert", "raw-upsert.js"),
  rawChild("upsert-raw-same-work", "raw pg doing the runner's database work: lock + load, RETURNING, ledger + image per chunk, 2 processes", "upsert", "same-work-upsert.js"),
  // The README's main job, as a new user runs it.
  demo("demo-embedded", "`npm run demo` on the embedded server (DATABASE_URL unset, empty data folder)", true),
  demo("demo-server", "`npm run demo` on the bench's server (DATABASE_URL, empty database)", false),
];

/** Per path: the runner's method and raw pg doing the same database work (bench/raw/ledgered-chunks.js). */
export const SAME_WORK: Partial<Record<BenchPath, { runner: string; raw: string }>> = {
  update: { runner: `a-runner-w${W}-count`, raw: "e3-raw-same-work" },
  create: { runner: `create-runner-w${W}-count`, raw: "create-raw-same-work" },
  upsert: { runner: `upsert-runner-w${W}-count`, raw: "upsert-raw-same-work" },
};

/** The baseline each path's ratios are taken against. */
export const BASELINE: Record<BenchPath, string> = {
  update: "e-raw-unnest",
  create: "create-raw-unnest",
  upsert: "upsert-raw-unnest",
  demo: "demo-server",
};
