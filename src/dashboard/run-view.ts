import {
  chunkCells,
  chunkTotals,
  controlsOf,
  failuresOf,
  participantRecords,
  revertOf,
  runRecord,
  savedSpan,
  throughput,
  type ChunkCell,
  type FailureRecord,
  type RunRecord,
} from "../ledger/dashboard-reads";
import { decideControl, type ControlAction, type RunStatus } from "../ledger/transitions";
import type { LedgerSource } from "./ledger-source";
import type { RunSample } from "../ledger/runs";
import { maskParams } from "./mask";

/** A run as its page shows it: everything read in one pass over the ledger, secrets masked. */
export interface RunView {
  run: RunRecord;
  /** The status shown: the ledger's, `held` for a running run every working participant of which holds, `interrupted` for a running one nobody works on. */
  badge: string;
  progress: { chunksDone: number; chunksTotal: number; rowsDone: number; rowsTotal: number | null; rowsPerSecond: number; etaSeconds: number | null; changed: number; inserted: number };
  chunks: ChunkCell[];
  chunkCounts: Record<string, number>;
  chart: { bucketSeconds: number; buckets: number; series: { label: string; rowsPerSecond: number[] }[] };
  participants: ParticipantView[];
  holds: { label: string; reason: string; forSeconds: number | null }[];
  failures: FailureRecord[];
  params: Record<string, string> | null;
  input: { name: string; checksum: string } | null;
  /** A dry run's before → after samples (kept on its run by its parent); null for a real run or a ledger from before. */
  samples: RunSample[] | null;
  revert: { undo: string; revertedBy: number | null; latest: RunRecord | undefined } | null;
  controls: Record<string, unknown>[];
  /** The actions the run's state allows (the dashboard offers these and only these). */
  actions: Action[];
}

export type Action = "pause" | "resume" | "cancel" | "revert";

export interface ParticipantView {
  id: number;
  label: string;
  host: string;
  workers: number;
  state: string;
  heartbeatAgeSeconds: number;
  rowsPerSecond: number;
  rows: number;
  chunks: number;
  evicted: boolean;
  hold: string | null;
  heldForSeconds: number | null;
}

const RECENT_SECONDS = 10;
const CHART_BUCKETS = 60;

export async function runView(source: LedgerSource, runId: number, latestApplyId: number | null): Promise<RunView | undefined> {
  const { sql } = source;
  const run = await runRecord(sql, runId);
  if (!run) return undefined;
  const [cells, totals, participants, failures, controls, span, revert] = await Promise.all([
    chunkCells(sql, runId),
    chunkTotals(sql, runId, RECENT_SECONDS),
    participantRecords(sql, runId, RECENT_SECONDS),
    failuresOf(sql, runId),
    controlsOf(sql, runId),
    savedSpan(sql, runId),
    run.kind === "apply" ? revertOf(sql, runId) : Promise.resolve(undefined),
  ]);
  const chunkCounts: Record<string, number> = {};
  for (const cell of cells) chunkCounts[cell.state] = (chunkCounts[cell.state] ?? 0) + 1;

  const participantViews: ParticipantView[] = participants.map((p) => {
    const active = p.state === "active";
    return {
      id: p.id,
      label: String(p.label),
      host: String(p.host ?? ""),
      workers: Number(p.workers),
      state: active && !p.live ? "dead" : String(p.state),
      heartbeatAgeSeconds: Math.max(0, Math.round(Number(p.silent_s) * 10) / 10),
      // At work: its pace over the last seconds; done: over its whole time.
      rowsPerSecond: Math.round(active ? Number(p.recent_rows) / RECENT_SECONDS : Number(p.saved_rows) / Math.max(0.001, Number(p.active_s))),
      rows: Number(p.saved_rows),
      chunks: Number(p.saved_chunks),
      evicted: p.state === "evicted",
      hold: active && p.hold_reason ? String(p.hold_reason) : null,
      heldForSeconds: active && p.hold_reason && p.held_s !== null && p.held_s !== undefined ? Math.round(Number(p.held_s)) : null,
    };
  });
  const working = participantViews.filter((p) => p.state === "active");
  let badge = String(run.status);
  if (badge === "running" && !working.length && participantViews.length) badge = "interrupted";
  else if (badge === "running" && working.length && working.every((p) => p.hold)) badge = "held";

  const chunksTotal = Math.max(Number(run.chunks_total ?? 0), cells.length);
  const chunksDone = (totals.byStatus.saved ?? 0) + (totals.byStatus.done ?? 0);
  const rowsDone = totals.rowsSettled;
  const left = chunksTotal - chunksDone;
  // Rows still to go, estimated from the rows per chunk so far (a table run's key ranges hold about as many rows each).
  const rowsTotal = chunksDone ? Math.round(rowsDone + (rowsDone / chunksDone) * left) : null;
  const rowsPerSecond = run.status === "running" ? Math.round(totals.recentRows / RECENT_SECONDS) : overallRate(run, rowsDone);
  const etaSeconds = run.status === "running" && rowsTotal !== null && rowsPerSecond > 0 ? Math.round((rowsTotal - rowsDone) / rowsPerSecond) : null;

  const chart = await chartOf(source, runId, run, span, participantViews);
  return {
    run,
    badge,
    progress: { chunksDone, chunksTotal, rowsDone, rowsTotal, rowsPerSecond, etaSeconds, changed: totals.changed, inserted: totals.inserted },
    chunks: cells,
    chunkCounts,
    chart,
    participants: participantViews,
    holds: working.filter((p) => p.hold).map((p) => ({ label: p.label, reason: p.hold!, forSeconds: p.heldForSeconds })),
    failures,
    params: maskParams(run.params as Record<string, unknown> | null, source.secretKeys(run.script)),
    input: run.input_name && run.input_checksum ? { name: String(run.input_name), checksum: String(run.input_checksum) } : null,
    samples: run.dry_run && Array.isArray(run.samples) ? (run.samples as RunSample[]) : null,
    revert: run.kind === "apply" ? { undo: String(run.undo ?? "none"), revertedBy: (run.reverted_by as number | null) ?? null, latest: revert } : null,
    controls,
    actions: actionsFor(run, participantViews.filter((p) => p.state === "active").length, latestApplyId),
  };
}

/**
 * What the run's state allows: pause, resume and cancel as the controls' own transition table
 * decides them (they act on a script's latest run, so only its page offers them), and revert
 * for a finished run whose before-images are kept.
 */
export function actionsFor(run: RunRecord, atWork: number, latestApplyId: number | null): Action[] {
  if (run.kind !== "apply" || run.dry_run || run.id !== latestApplyId) return [];
  const target = {
    id: run.id,
    status: run.status as RunStatus,
    control_by: (run.control_by as string | null) ?? null,
    control_at: run.control_at ? new Date(String(run.control_at)) : null,
    atWork,
  };
  const controls = (["pause", "resume", "cancel"] as ControlAction[]).filter((a) => decideControl(a, run.script, target).allowed);
  const finished = ["completed", "failed", "interrupted", "cancelled"].includes(run.status) || (run.status === "running" && atWork === 0);
  return [...controls, ...(finished && run.undo === "kept" ? (["revert"] as const) : [])];
}

function overallRate(run: RunRecord, rows: number): number {
  const started = Date.parse(String(run.started_at));
  const finished = run.finished_at ? Date.parse(String(run.finished_at)) : Date.now();
  return Math.round(rows / Math.max(0.001, (finished - started) / 1000));
}

/** Rows/s per participant over time, in at most CHART_BUCKETS buckets from the run's start to its last save (or now). */
async function chartOf(
  source: LedgerSource,
  runId: number,
  run: RunRecord,
  span: { first: string | null; last: string | null; now: string },
  participants: ParticipantView[],
): Promise<RunView["chart"]> {
  const start = String(run.started_at);
  const end = run.status === "running" || run.status === "paused" ? span.now : span.last ?? span.now;
  const seconds = Math.max(1, (Date.parse(end) - Date.parse(start)) / 1000);
  const bucketSeconds = Math.max(1, Math.ceil(seconds / CHART_BUCKETS));
  const buckets = Math.max(1, Math.ceil(seconds / bucketSeconds));
  const points = span.first ? await throughput(source.sql, runId, bucketSeconds, start) : [];
  const labels = new Map(participants.map((p) => [p.id, p.label]));
  const series = new Map<string, number[]>();
  for (const point of points) {
    const label = point.participant === null ? "(this host)" : labels.get(point.participant) ?? `participant ${point.participant}`;
    if (!series.has(label)) series.set(label, new Array(buckets).fill(0));
    const index = Math.min(Math.max(point.bucket, 0), buckets - 1);
    series.get(label)![index] += point.rows / bucketSeconds;
  }
  return { bucketSeconds, buckets, series: [...series].map(([label, rowsPerSecond]) => ({ label, rowsPerSecond })) };
}
