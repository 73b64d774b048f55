import type { ControlResult } from "../runtime/control-run";

/** The one line `pause`, `resume` and `cancel` print: what happened, to which run, and what comes next. */
export function formatControl(r: ControlResult): string {
  const who = `by ${r.by} at ${r.at}${r.reason ? `: "${r.reason}"` : ""}`;
  const hosts = `${r.atWork} host${r.atWork === 1 ? "" : "s"} at work`;
  switch (r.action) {
    case "pause":
      return `${r.script}: run #${r.runId} paused ${who} — ${hosts} hold at their next chunk boundary (in-flight chunks commit); data-script resume ${r.script} lifts it`;
    case "resume":
      return r.atWork
        ? `${r.script}: run #${r.runId} resumed ${who} — ${hosts} go on`
        : `${r.script}: run #${r.runId} resumed ${who} — no host is at work on it: start one with data-script ${r.script} --join`;
    case "cancel":
      return (
        `${r.script}: run #${r.runId} cancelled ${who} — ` +
        (r.atWork ? `${hosts} stop at their next chunk boundary; ` : "") +
        `saved chunks stay saved (data-script revert ${r.script} undoes them); data-script ${r.script} starts a new run`
      );
  }
}
