import type { Sql } from "./sql";

/** Where the primary's WAL is, and how far each standby attached to it has replayed. */
export interface ReplicationState {
  /** pg_current_wal_lsn(), as a byte position. */
  currentLsn: bigint;
  standbys: { name: string; replayLsn: bigint | null; replayLagS: number | null }[];
}

/** pg_stat_replication on the primary: empty on a server with no standby (or on a standby itself). */
export async function replicationState(sql: Sql): Promise<ReplicationState> {
  const rows = await sql<{ current: string | null; name: string | null; replay: string | null; lag: number | null }>(
    `SELECT (CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') END)::text AS current,
            coalesce(nullif(r.application_name, ''), r.client_addr::text, r.pid::text) AS name,
            pg_wal_lsn_diff(r.replay_lsn, '0/0')::text AS replay, extract(epoch FROM r.replay_lag)::float8 AS lag
     FROM (SELECT 1) one LEFT JOIN pg_stat_replication r ON true`,
  );
  const current = rows[0]?.current;
  return {
    currentLsn: current === null || current === undefined ? 0n : BigInt(current.split(".")[0]),
    standbys: rows
      .filter((r) => r.name !== null)
      .map((r) => ({ name: r.name!, replayLsn: r.replay === null ? null : BigInt(r.replay.split(".")[0]), replayLagS: r.lag })),
  };
}
