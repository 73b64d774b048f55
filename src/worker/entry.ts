/**
 * Child-process entry of the Tinypool pool. It reads its settings from the
 * environment the parent forked it with, starts connecting at once (while the
 * parent still plans), and exports the task handlers Tinypool calls.
 */
import { takeWorkerSettingsEnv } from "../messages";
import { configureWorker } from "./chunk-worker";

// A worker whose parent died (SIGKILL) exits at once; its open transaction rolls back.
process.on("disconnect", () => process.exit(70));

const settings = takeWorkerSettingsEnv(process.env);
if (settings) configureWorker(settings, Number(process.env.TINYPOOL_WORKER_ID ?? 0));

export { runChunk } from "./chunk-worker";
