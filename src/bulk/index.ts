export { bulkInsert, type BulkInsertResult } from "./bulk-insert";
export { bulkUpdate, type BulkUpdateOptions, type BulkUpdateResult } from "./bulk-update";
export { bulkUpsert, type BulkUpsertOptions, type BulkUpsertResult } from "./bulk-upsert";
export { bulkDelete, type BulkDeleteOptions, type BulkDeleteResult } from "./bulk-delete";
export { bulkSoftRemove, type BulkSoftRemoveResult } from "./bulk-soft-remove";
export { BulkWriteError } from "./errors";
export { rememberLoaded } from "./snapshots";
