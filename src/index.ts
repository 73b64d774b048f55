/**
 * The public API: what a data script extends, the bulk writers, and every
 * command of the CLI as a function (the CLI itself is a client of this file).
 */
export { DataScript, type AnyScriptContext, type MutateResult, type ScriptContext } from "./script/data-script";
export type { ParamsOf, UntypedParams } from "./script/params";
export type { ColumnType, InputOptions } from "./inputs/input-options";
export { bulkDelete, bulkInsert, bulkUpdate, bulkUpsert, BulkWriteError, rememberLoaded } from "./bulk";
export type { BulkDeleteResult, BulkInsertResult, BulkUpdateOptions, BulkUpdateResult, BulkUpsertOptions, BulkUpsertResult } from "./bulk";

export { runScript, type RunHooks, type RunScriptOptions } from "./runtime/run-script";
export { runPending, type RunPendingOptions } from "./runtime/run-pending";
export { revertScript, type RevertOptions } from "./runtime/revert-script";
export { pruneUndo, type PruneOptions } from "./runtime/prune-undo";
export { cancelScript, pauseScript, resumeScript, type ControlOptions, type ControlResult } from "./runtime/control-run";
export { checkScripts, scriptStatuses, type ParticipantStatus, type ScriptStatus } from "./runtime/script-statuses";
export { createProgress, silentProgress, type Progress } from "./runtime/progress";
export type { RunSummary } from "./runtime/summary";
export { scaffoldScript, type ScaffoldOptions } from "./runtime/scaffold-script";
export { DEFAULTS, type RunOptions, type TargetOptions } from "./settings/settings";

export { formatSummary } from "./report/format-summary";
export { formatStatuses } from "./report/format-statuses";
export { formatControl } from "./report/format-control";
export { formatJson } from "./report/format-json";
export { describeError } from "./report/describe-error";
export { EXIT, exitCodeOf } from "./report/exit-codes";
export { UsageError } from "./errors";
