"use strict";
// Preloaded (-r) while profiling: Tinypool stops its child-process workers with
// SIGTERM, which would kill them before --cpu-prof writes their profile. In a
// worker (TINYPOOL_WORKER_ID set), turn SIGTERM into a normal exit so it does.
if (process.env.TINYPOOL_WORKER_ID) process.on("SIGTERM", () => process.exit(0));
