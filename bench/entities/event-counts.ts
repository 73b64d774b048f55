/**
 * Events counted across processes: a counting subscriber keeps per-transaction
 * counts in memory and writes ONE row here from beforeTransactionCommit, in the
 * same transaction, so a rolled-back chunk counts nothing and a retried one once.
 */
export const EVENT_COUNTS_DDL = `
CREATE TABLE IF NOT EXISTS bench_event_counts (
  pid           integer NOT NULL,
  before_insert integer NOT NULL,
  after_insert  integer NOT NULL,
  before_update integer NOT NULL,
  after_update  integer NOT NULL
)`;

export const INSERT_EVENT_COUNTS =
  "INSERT INTO bench_event_counts (pid, before_insert, after_insert, before_update, after_update) VALUES ($1, $2, $3, $4, $5)";

export interface EventCounts {
  beforeInsert: number;
  afterInsert: number;
  beforeUpdate: number;
  afterUpdate: number;
}

export function emptyCounts(): EventCounts {
  return { beforeInsert: 0, afterInsert: 0, beforeUpdate: 0, afterUpdate: 0 };
}

export function countParams(counts: EventCounts): number[] {
  return [process.pid, counts.beforeInsert, counts.afterInsert, counts.beforeUpdate, counts.afterUpdate];
}

export function isEmpty(counts: EventCounts): boolean {
  return !counts.beforeInsert && !counts.afterInsert && !counts.beforeUpdate && !counts.afterUpdate;
}

export const SUM_EVENT_COUNTS = `
SELECT coalesce(sum(before_insert), 0)::int AS "beforeInsert", coalesce(sum(after_insert), 0)::int AS "afterInsert",
       coalesce(sum(before_update), 0)::int AS "beforeUpdate", coalesce(sum(after_update), 0)::int AS "afterUpdate"
FROM bench_event_counts`;
