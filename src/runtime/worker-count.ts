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
 * With the database on this machine, its backends share the cores the workers
 * use, so a second process pays off later: measured on 2 cores (bench/results-workers-local.md,
 * bench/results-issue20.md), two processes tied one at 300 and 500 chunks and were 1.2–1.4×
 * faster at 1,000. A worker and its backend take turns, so up to one worker per core still helps.
 */
export const CHUNKS_PER_WORKER_DATABASE_HERE = 400;

export interface WorkerChoice {
  workers: number;
  /** Why that many, as the summary says it. */
  reason: string;
}

export function chooseWorkers(plan: { chunks?: number; cores?: number; databaseHere: boolean }): WorkerChoice {
  const cores = plan.cores ?? availableParallelism();
  const coresText = `${cores} core${cores === 1 ? "" : "s"}`;
  if (plan.chunks === undefined) {
    // Unknown length: with the database here, half the cores (a 100k create ran faster in one process than in two on 2 cores).
    const cap = plan.databaseHere ? Math.max(1, Math.floor(cores / 2)) : cores;
    const machine = plan.databaseHere ? `the database shares this machine's ${coresText}: ${cap} for the workers` : coresText;
    return { workers: cap, reason: `a source's length is not known before it is read; ${machine}` };
  }
  const perWorker = plan.databaseHere ? CHUNKS_PER_WORKER_DATABASE_HERE : CHUNKS_PER_WORKER;
  const workersFor = (per: number) => Math.min(cores, Math.max(1, Math.floor(plan.chunks! / per)));
  const workers = workersFor(perWorker);
  const chunks = `${plan.chunks} chunk${plan.chunks === 1 ? "" : "s"}`;
  // The database named only where it changed the choice.
  const shared = workers < workersFor(CHUNKS_PER_WORKER) ? ", the database on this machine" : "";
  if (workers === 1) return { workers, reason: `${chunks}: too few to pay for a second process${shared}` };
  if (workers < cores) return { workers, reason: `${chunks}: ${perWorker} or more for each process${shared}` };
  return { workers, reason: `${chunks}, ${coresText}` };
}

/** Whether the database server runs on this machine: its address is loopback, or it is reached by a socket. */
export function isLocalAddress(serverAddress: string | null): boolean {
  if (serverAddress === null) return true; // a Unix-domain socket
  const address = serverAddress.replace(/\/\d+$/, "");
  return address === "::1" || address.startsWith("127.") || address === "::ffff:127.0.0.1";
}
