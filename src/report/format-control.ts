import type { ControlResult } from "../runtime/control-run";

/** The one line `pause`, `resume` and `cancel` print: what happened, to which run, and what comes next. */
export function formatControl(r: ControlResult): string {
  const who = `by ${r.by} at ${r.at}${r.reason ? `: "${r.reason}"` : ""}`;
  const hosts = `${r.atWork} host${r.atWork === 1 ? "" : "s"} at work`;
  const verb = (plural: string, singular: string) => (r.atWork === 1 ? singular : plural);
  switch (r.action) {
    case "pause":
      return `${r.script}: run #${r.runId} paused ${who} — ${hosts} ${verb("hold", "holds")} at ${verb("their", "its")} next chunk boundary (in-flight chunks commit); data-script resume ${r.script} lifts it`;
    case "resume":
      return r.atWork
        ? `${r.script}: run #${r.runId} resumed ${who} — ${hosts} ${verb("go", "goes")} on`
        : `${r.script}: run #${r.runId} resumed ${who} — no host is at work on it: start one with data-script ${r.script} --join`;
    case "cancel":
      return (
        `${r.script}: run #${r.runId} cancelled ${who} — ` +
        (r.atWork ? `${hosts} ${verb("stop", "stops")} at ${verb("their", "its")} next chunk boundary; ` : "") +
        `saved chunks stay saved (data-script revert ${r.script} undoes them); data-script ${r.script} starts a new run`
      );
  }
}
