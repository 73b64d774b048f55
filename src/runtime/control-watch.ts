import type { ControlState, RunLedger } from "../ledger/ledger";

/**
 * A participant's view of the operators' requests on its run, read by the
 * health gate at its checks (every couple of seconds, and at once when a claim
 * found the run paused): a pause is a hold whose reason names who paused it,
 * when and why; a cancel is a stop. Each change is said once in the log, so a
 * host's output tells what happened to it even without a progress line.
 */
export class ControlWatch {
  private seen: string | undefined;

  constructor(
    private readonly ledger: RunLedger,
    private readonly runId: number,
    private readonly script: string,
    private readonly log: (line: string) => void,
  ) {}

  async verdict(): Promise<{ hold?: string; stop?: string } | undefined> {
    const state = await this.ledger.controlState(this.runId);
    if (!state) return undefined;
    this.notice(state);
    if (state.status === "paused") return { hold: pausedReason(state) };
    if (state.status === "cancelled") return { stop: state.error ?? `cancelled by ${state.control_by}` };
    return undefined;
  }

  private notice(state: ControlState): void {
    const before = this.seen;
    this.seen = state.status;
    if (before === state.status) return;
    const run = `${this.script}: run #${this.runId}`;
    if (state.status === "paused") {
      this.log(`${run} ${pausedReason(state)}; holding: in-flight chunks commit, no new chunk is claimed until data-script resume ${this.script}`);
    } else if (state.status === "cancelled") {
      this.log(`${run} ${state.error ?? "cancelled"}; in-flight chunks commit, no new chunk is claimed`);
    } else if (state.status === "running" && before === "paused") {
      this.log(`${run} resumed by ${describeRequest(state)}: going on`);
    }
  }
}

/** `paused by alice@laptop 14:02: "peak traffic"` (the time in this host's zone). */
export function pausedReason(state: Pick<ControlState, "control_by" | "control_at" | "control_reason">): string {
  return `paused by ${describeRequest(state)}`;
}

function describeRequest(state: Pick<ControlState, "control_by" | "control_at" | "control_reason">): string {
  const at = state.control_at ? ` ${clock(state.control_at)}` : "";
  return `${state.control_by ?? "someone"}${at}${state.control_reason ? `: "${state.control_reason}"` : ""}`;
}

function clock(at: Date): string {
  return `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
}
