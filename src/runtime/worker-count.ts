import { availableParallelism } from "node:os";

/**
 * The default number of worker processes, from the plan and the machine. A
 * second process pays off only when the chunks it takes save more than it
 * costs to start (fork, load TypeORM and the app's entities, connect: about
 * half a second; a chunk of 1,000 rows takes about 10 ms): measured on a
 * 2-core machine, 100 chunks ran faster in one process than in two. A database
 * on this machine needs cores too (it does the writing): it is left half.
 */
export const CHUNKS_PER_WORKER = 100;

export interface WorkerChoice {
  workers: number;
  /** Why that many, as the summary says it. */
  reason: string;
}

export function chooseWorkers(plan: { chunks?: number; cores?: number; databaseHere: boolean }): WorkerChoice {
  const cores = plan.cores ?? availableParallelism();
  const cap = plan.databaseHere ? Math.max(1, Math.floor(cores / 2)) : cores;
  const machine = plan.databaseHere
    ? `the database shares this machine's ${cores} core${cores === 1 ? "" : "s"}: ${cap} for the workers`
    : `${cores} core${cores === 1 ? "" : "s"}`;
  if (plan.chunks === undefined) return { workers: cap, reason: `a source's length is not known before it is read; ${machine}` };
  const byPlan = Math.max(1, Math.floor(plan.chunks / CHUNKS_PER_WORKER));
  const chunks = `${plan.chunks} chunk${plan.chunks === 1 ? "" : "s"}`;
  if (byPlan === 1) return { workers: 1, reason: `${chunks}: too few to pay for a second process` };
  if (byPlan < cap) return { workers: byPlan, reason: `${chunks}: ${CHUNKS_PER_WORKER} or more for each process` };
  return { workers: cap, reason: `${chunks}, ${machine}` };
}

/** Whether the database server runs on this machine: its address is loopback, or it is reached by a socket. */
export function isLocalAddress(serverAddress: string | null): boolean {
  if (serverAddress === null) return true; // a Unix-domain socket
  const address = serverAddress.replace(/\/\d+$/, "");
  return address === "::1" || address.startsWith("127.") || address === "::ffff:127.0.0.1";
}
