import type { ChunkRow, RunLedger } from "../ledger/ledger";
import { SETTLED } from "../ledger/transitions";
import type { DataScript, ScriptContext } from "../script/data-script";
import type { Dispatcher } from "./dispatcher";
import type { Progress } from "./progress";
import type { RunSummary } from "./summary";

/**
 * Source kind: reads the script's source in the parent and hands it to the
 * pool chunk by chunk. Resuming re-reads the source and skips the chunks
 * already saved: the source must yield the same inputs in the same order.
 */
export async function streamSource(run: {
  script: DataScript;
  ctx: ScriptContext;
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
  const flush = async () => {
    chunkNo++;
    const inputs = batch;
    batch = [];
    summary.chunksTotal = chunkNo;
    progress.setTotal(chunkNo);
    if (settled.has(chunkNo)) return true;
    await ledger.plan(runId, [{ chunkNo, lo: null, hi: null }]);
    return dispatcher.submit({ kind: "given", runId, participant, chunkNo, lo: null, hi: null, inputs: toJson(inputs) });
  };
  for await (const input of run.script.source!(run.ctx)) {
    batch.push(input);
    if (batch.length >= run.chunkSize && !(await flush())) return;
  }
  if (batch.length) await flush();
  await ledger.setChunksTotal(runId, chunkNo);
}

// Inputs cross a process boundary: they must survive JSON.
function toJson(inputs: unknown[]): unknown[] {
  return JSON.parse(JSON.stringify(inputs));
}
