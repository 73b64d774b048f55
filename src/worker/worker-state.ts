import type { DataSource } from "typeorm";
import type { ChunkTimeouts } from "../ledger/ledger";
import type { WorkerSettings } from "../messages";
import type { DataScript } from "../script/data-script";

/** A worker's long-lived state: its DataSource, its script instance (set up once) and the run's settings. */
export interface WorkerState {
  dataSource: DataSource;
  script: DataScript;
  workerId: number;
  log: (...args: unknown[]) => void;
  settings: WorkerSettings;
  /** ctx.params: the values the parent validated. */
  params: unknown;
  /** The chunk transaction's lock and statement timeouts, the run's or the script's own. */
  timeouts: ChunkTimeouts;
  /** Runs the script's setup once (before the worker's first chunk); rejects, every time, if it threw. */
  ready: () => Promise<void>;
  /** Before-images are kept: the run asks for them and the script does not opt out. */
  keepUndo: boolean;
}
