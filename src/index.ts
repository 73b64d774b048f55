export { DataScript, type ScriptContext, type MutateResult } from "./data-script";
export { bulkInsert, bulkUpdate, bulkUpsert, BulkWriteError, rememberLoaded } from "./bulk";
export type { BulkInsertResult, BulkUpdateOptions, BulkUpdateResult, BulkUpsertOptions, BulkUpsertResult } from "./bulk";
export { runScript, ScriptLockedError, type RunOptions } from "./runner/run-script";
export { scriptStatuses, type ScriptStatus } from "./runner/status";
export type { RunSummary } from "./runner/summary";
