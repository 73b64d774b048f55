/**
 * Where a sample's time belongs. Walking its stack from the leaf up, the first
 * frame that matches a *phase* rule decides (so TypeORM's DateUtils called by the
 * change computer counts as change computation); a sample with no phase frame
 * falls back to the leaf's *area* rule (whose code it is).
 */
export interface Frame {
  functionName: string;
  url: string;
}

type Rule = [category: string, test: (f: Frame) => boolean];

const url = (re: RegExp) => (f: Frame) => re.test(f.url);
/** The compiled per-entity functions (src/bulk/compiled/) have no file: they are known by their names, e.g. `diffUser`. */
const compiled = (re: RegExp) => (f: Frame) => f.url === "" && re.test(f.functionName);

export const LEAF_ONLY: Rule[] = [
  ["idle", (f) => f.functionName === "(idle)"],
  ["GC", (f) => f.functionName === "(garbage collector)"],
  ["V8 (program)", (f) => f.functionName === "(program)"],
];

export const PHASES: Rule[] = [
  ["start-up: module loading + swc transpile", (f) => /@swc|swc-node|pirates|node:internal\/modules|node:internal\/bootstrap/.test(f.url)],
  ["IPC (tinypool, child_process messages)", url(/tinypool|node:internal\/child_process/)],
  ["event dispatch (broadcaster, subscribers, listeners)", url(/subscriber\/Broadcaster|BroadcasterResult|UserAuditSubscriber|counting-subscriber|bulk\/events|entities\/User\.ts/)],
  ["change computation (snapshot copy, TypeORM diff)", (f) => /SubjectChangedColumnsComputer|persistence\/Subject\.js|bulk\/change-set|bulk\/snapshots|bulk\/fast-diff|bulk\/compiled\/(differ|snapshotter|column-changed)/.test(f.url) || compiled(/^(diff|snapshot)/)(f)],
  ["row decoding (pg result parsing, pg-types)", url(/pg\/lib\/result|pg-types|postgres-date|postgres-array|postgres-interval|pg-protocol\/dist\/parser/)],
  ["entity hydration (TypeORM raw rows → entities)", (f) => /RawSqlResultsToEntityTransformer|DocumentToEntityTransformer|bulk\/load-entities/.test(f.url) || compiled(/^(hydrate|applyReturned)/)(f)],
  ["SQL encoding (params: codecs, pg arrays, protocol)", (f) => /bulk\/column-codec|bulk\/sql\.|bulk\/insert-columns|pg\/lib\/utils|pg-protocol\/dist\/serializer|buffer-writer/.test(f.url) || /^(updateParams|insertParams)$/.test(f.functionName) || compiled(/^(updateParams|insertParams|definedCounts)/)(f)],
  ["TypeORM query building (QueryBuilder, find options)", url(/typeorm\/(query-builder|find-options)/)],
  ["pg client / socket", url(/node_modules\/pg\/|pg-pool|node:net|node:internal\/stream_base/)],
];

export const AREAS: Rule[] = [
  ["TypeORM other (metadata, utils)", url(/node_modules\/typeorm/)],
  ["runner (src/runtime, src/ledger, src/worker)", url(/\/(src|dist)\/(runtime|ledger|worker)\//)],
  ["bulk writers, other (src/bulk)", (f) => /\/(src|dist)\/bulk\//.test(f.url) || compiled(/^(setMissingNullables|adoptUnset)/)(f)],
  ["CLI (yargs, progress)", url(/yargs|cli-progress|\/(src|dist)\/cli\//)],
  ["MikroORM / knex", url(/@mikro-orm|knex/)],
  ["script + bench code", url(/\/bench\/|\/scripts\//)],
  ["node internals, other", url(/^node:/)],
  ["native / unattributed", (f) => f.url === ""],
];

function first(rules: Rule[], frame: Frame): string | undefined {
  for (const [category, test] of rules) if (test(frame)) return category;
  return undefined;
}

/** `stack[0]` is the leaf. */
export function categoriseStack(stack: Frame[]): string {
  const leaf = stack[0];
  const special = first(LEAF_ONLY, leaf);
  if (special) return special;
  for (const frame of stack) {
    const phase = first(PHASES, frame);
    if (phase) return phase;
  }
  return first(AREAS, leaf) ?? "other";
}

/**
 * Whose code a sample is: the runner's own (its files and the functions it compiles per
 * entity), or one of the parts it builds on. Answers "what of this time could a change to
 * this repository remove", where the phases answer "what was it doing". Node's builtins and
 * internals (a socket write, a Buffer slice, a microtask) count for the nearest caller that
 * is not Node's: the socket write of a query is node-pg's cost; all of loading a module
 * (its top-level code too) is start-up.
 */
const OWNERS: Rule[] = [
  ["runner (dist/, incl. compiled per-entity code)", (f) => (/\/(src|dist)\//.test(f.url) && !/node_modules/.test(f.url)) || compiled(/^(hydrate|applyReturned|diff|snapshot|updateParams|insertParams|definedCounts|setMissingNullables|adoptUnset|idMap)/)(f)],
  ["TypeORM", url(/node_modules\/typeorm\//)],
  ["node-pg and its socket (pg, pg-protocol, pg-types, postgres-*)", url(/node_modules\/(pg|pg-pool|pg-protocol|pg-types|postgres-[a-z]+|buffer-writer|packet-reader)\//)],
  ["Tinypool and its IPC", url(/node_modules\/tinypool\/|node:internal\/child_process/)],
  ["the app (entities, subscribers, scripts)", url(/\/(bench|entities|scripts)\//)],
  ["CLI libraries (yargs, cli-progress)", url(/yargs|cli-progress/)],
  ["other packages", url(/node_modules\//)],
];

const MODULE_LOADING = /node:internal\/modules|node:internal\/bootstrap|@swc|swc-node|pirates|get-tsconfig/;

export function ownerOfStack(stack: Frame[]): string {
  const leaf = stack[0];
  if (leaf.functionName === "(idle)") return "idle";
  if (leaf.functionName === "(garbage collector)") return "V8: garbage collection";
  if (stack.some((f) => MODULE_LOADING.test(f.url))) return "start-up: loading modules (Node, swc hook, top-level code)";
  for (const frame of stack) {
    const owner = first(OWNERS, frame);
    if (owner) return owner;
  }
  return "Node / V8, other (timers, microtasks, program)";
}
