/**
 * Child-process entry of the Tinypool pool. It reads its settings from the
 * environment the parent forked it with, starts connecting at once (while the
 * parent still plans), and exports the task handlers Tinypool calls.
 */
import { WORKER_SETTINGS_ENV, type WorkerSettings } from "../messages";
import { configureWorker } from "./chunk-worker";

// A worker whose parent died (SIGKILL) exits at once; its open transaction rolls back.
process.on("disconnect", () => process.exit(70));

const settings = process.env[WORKER_SETTINGS_ENV];
if (settings) configureWorker(JSON.parse(settings) as WorkerSettings, Number(process.env.TINYPOOL_WORKER_ID ?? 0));

export { runChunk } from "./chunk-worker";
