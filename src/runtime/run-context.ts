import type { DataSource } from "typeorm";
import type { ParticipantIdentity, RunLedger } from "../ledger/ledger";
import type { PreparedRun } from "./prepare-run";
import type { RunSettings } from "../settings/settings";
import type { ChunkPool } from "./pool";
import type { Progress } from "./progress";
import type { RunSummary } from "./summary";

/** Everything one participant's part in a run works with. */
export interface RunContext {
  settings: RunSettings;
  loaded: PreparedRun;
  dataSource: DataSource;
  /** The worker pool, of this many processes: forked at once when --workers was given, else once the plan has chosen. */
  openPool(workers: number): Promise<ChunkPool>;
  ledger: RunLedger;
  summary: RunSummary;
  identity: ParticipantIdentity;
  /** A revert: of the given run, or (no run) of the script's last one. */
  revert?: { run?: number };
  hooks: { progress: Progress; signal?: AbortSignal; log: (line: string) => void };
}
