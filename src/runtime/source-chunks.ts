import type { ChunkRow, RunLedger } from "../ledger/ledger";
import { SETTLED } from "../ledger/transitions";
import type { InputRecord } from "../inputs/input-options";
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
    progress.setTotal(chunkNo);
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
  } else {
    for await (const input of run.items!) {
      batch.push(input);
      if (batch.length >= run.chunkSize && !(await flush())) return;
    }
  }
  if (batch.length) await flush();
  await ledger.setChunksTotal(runId, chunkNo);
}

// Inputs cross a process boundary: they must survive JSON.
function toJson(inputs: unknown[]): unknown[] {
  return JSON.parse(JSON.stringify(inputs));
}
