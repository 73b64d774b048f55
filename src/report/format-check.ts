import type { ScriptStatus } from "../runtime/script-statuses";
import { formatStatuses } from "./format-statuses";

/**
 * What `check` prints: what is true of every script. A reverted script (its
 * file unchanged since) passes, because `run --pending` will not run it again,
 * but it is named, so nobody reads "all completed" after a revert.
 */
export function formatCheck(result: { open: ScriptStatus[]; reverted: ScriptStatus[]; completed: number }): string {
  const lines: string[] = [];
  if (result.open.length) lines.push(`not run yet or not completed:\n${formatStatuses(result.open)}`);
  else if (!result.reverted.length) lines.push(result.completed ? "all data scripts completed" : "no data scripts");
  else lines.push(`nothing left to run: ${result.completed} completed, ${result.reverted.length} reverted`);
  if (result.reverted.length) {
    const names = result.reverted.map((s) => s.script).join(", ");
    lines.push(
      `reverted, and not run again while ${result.reverted.length === 1 ? "its file is" : "their files are"} unchanged: ${names}` +
        `\n(change the file to run a fixed version with run --pending, or run it by name: data-script ${result.reverted[0].script})`,
    );
  }
  return lines.join("\n");
}
