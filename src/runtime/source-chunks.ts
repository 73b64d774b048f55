import type { ChunkRow, RunLedger } from "../ledger/ledger";
import { SETTLED } from "../ledger/transitions";
import type { InputRecord } from "../inputs/input-options";
import { isThenable } from "../script/data-script";
import type { Dispatcher } from "./dispatcher";
import type { Progress } from "./progress";
import type { RunSummary } from "./summary";

/**
 * Source kind: reads the script's source (or its --input file) in the parent and
 * hands it to the pool chunk by chunk. Resuming re-reads the source and skips the
 * chunks already saved: the source must yield the same inputs in the same order
 * (a file is the same file: its checksum was compared before the run resumed).
 */
export async function streamSource(run: {
  /** source()'s inputs, or a file's records with the line each starts on. */
  items?: AsyncIterable<unknown> | Iterable<unknown>;
  records?: AsyncIterable<InputRecord>;
  chunkSize: number;
  runId: number;
  participant: number;
  chunks: ChunkRow[];
  ledger: RunLedger;
  dispatcher: Dispatcher;
  summary: RunSummary;
  progress: Progress;
}): Promise<void> {
  const { runId, participant, ledger, dispatcher, summary, progress } = run;
  const settled = new Set(run.chunks.filter((c) => SETTLED.includes(c.status)).map((c) => c.chunk_no));
  let chunkNo = 0;
  let batch: unknown[] = [];
  let lines: number[] | undefined = run.records ? [] : undefined;
  const flush = async () => {
    chunkNo++;
    const inputs = batch;
    const chunkLines = lines;
    batch = [];
    lines = run.records ? [] : undefined;
    summary.chunksTotal = chunkNo;
    progress.setTotal(chunkNo, false);
    if (settled.has(chunkNo)) return true;
    await ledger.plan(runId, [{ chunkNo, lo: null, hi: null }]);
    // A file's records are parsed JSON or CSV text already: no round trip needed.
    return dispatcher.submit({ kind: "given", runId, participant, chunkNo, lo: null, hi: null, inputs: chunkLines ? inputs : toJson(inputs), lines: chunkLines });
  };
  if (run.records) {
    for await (const record of run.records) {
      batch.push(record.value);
      lines!.push(record.line);
      if (batch.length >= run.chunkSize && !(await flush())) return;
    }
  } else if (isAsync(run.items!)) {
    for await (const input of run.items) {
      batch.push(input);
      if (batch.length >= run.chunkSize && !(await flush())) return;
    }
  } else {
    // A plain generator is read without a promise per input (for await would make one); a
    // promise it yields is awaited, as for await awaits it.
    for (const item of run.items!) {
      batch.push(isThenable(item) ? await item : item);
      if (batch.length >= run.chunkSize && !(await flush())) return;
    }
  }
  if (batch.length) await flush();
  progress.setTotal(chunkNo, true);
  await ledger.setChunksTotal(runId, chunkNo);
}

function isAsync<T>(source: AsyncIterable<T> | Iterable<T>): source is AsyncIterable<T> {
  return typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === "function";
}

// Inputs cross a process boundary: they must survive JSON. Strings, booleans,
// null and finite numbers (not -0) come back from JSON as they went in, so a
// chunk of only those (ids, names) skips the round trip.
function toJson(inputs: unknown[]): unknown[] {
  for (let i = 0; i < inputs.length; i++) if (!survivesJson(inputs[i])) return JSON.parse(JSON.stringify(inputs));
  return inputs;
}

function survivesJson(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    default:
      return value === null;
  }
}
