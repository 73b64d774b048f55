import { availableParallelism } from "node:os";

/**
 * The default number of worker processes, from the plan and the machine. A
 * second process pays off only when the chunks it takes save more than it
 * costs to start (fork, load TypeORM and the app's entities, connect: about
 * half a second; a chunk of 1,000 rows takes about 10 ms): measured on a
 * 2-core machine, 100 chunks ran faster in one process than in two.
 */
export const CHUNKS_PER_WORKER = 100;

/**
 * With the database on this machine, its backends share the cores: half of them go to the
 * workers, and more only for a large plan. Measured on 2 cores (bench/results-workers-local.md,
 * results-workers-default.md, results-issue20.md): two processes were no faster than one at 300
 * and 500 chunks and 1.1–1.4× faster at 1,000. A worker and its backend take turns, so up to
 * one worker per core can still help.
 */
export const CHUNKS_PER_WORKER_PAST_HALF = 400;

export interface WorkerChoice {
  workers: number;
  /** Why that many, as the summary says it. */
  reason: string;
}

export function chooseWorkers(plan: { chunks?: number; cores?: number; databaseHere: boolean }): WorkerChoice {
  const cores = plan.cores ?? availableParallelism();
  const coresText = `${cores} core${cores === 1 ? "" : "s"}`;
  const half = Math.max(1, Math.floor(cores / 2));
  const sharedText = (workers: string) => `the database shares this machine's ${coresText}: ${workers}`;
  if (plan.chunks === undefined) {
    // Unknown length: half the cores with the database here (a 100k create ran faster in one process than in two on 2 cores).
    const workers = plan.databaseHere ? half : cores;
    return { workers, reason: `a source's length is not known before it is read; ${plan.databaseHere ? sharedText(`${half} for the workers`) : coresText}` };
  }
  const chunks = `${plan.chunks} chunk${plan.chunks === 1 ? "" : "s"}`;
  const byPlan = Math.max(1, Math.floor(plan.chunks / CHUNKS_PER_WORKER));
  if (byPlan === 1) return { workers: 1, reason: `${chunks}: too few to pay for a second process` };
  const perWorker = { workers: byPlan, reason: `${chunks}: ${CHUNKS_PER_WORKER} or more for each process` };
  const allCores = { workers: cores, reason: `${chunks}, ${coresText}` };
  if (!plan.databaseHere) return byPlan < cores ? perWorker : allCores;
  const pastHalf = Math.min(cores, Math.floor(plan.chunks / CHUNKS_PER_WORKER_PAST_HALF));
  if (pastHalf > half) {
    return pastHalf === cores ? allCores : { workers: pastHalf, reason: `${chunks}, ${sharedText(`${CHUNKS_PER_WORKER_PAST_HALF} or more chunks for each process past ${half}`)}` };
  }
  return byPlan < half ? perWorker : { workers: half, reason: `${chunks}, ${sharedText(`${half} for the workers`)}` };
}

/** Whether the database server runs on this machine: its address is loopback, or it is reached by a socket. */
export function isLocalAddress(serverAddress: string | null): boolean {
  if (serverAddress === null) return true; // a Unix-domain socket
  const address = serverAddress.replace(/\/\d+$/, "");
  return address === "::1" || address.startsWith("127.") || address === "::ffff:127.0.0.1";
}
