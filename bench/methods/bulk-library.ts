import dataSource from "../data-source";
import { User } from "../../entities/User";
import { bulkInsert, bulkUpdate, bulkUpsert, rememberLoaded } from "typeorm-data-script";
import { newUserFields, upsertUserFields } from "../seed-data";
import { chunks, range, runChild } from "./child";

/**
 * The bulk writers called directly (the library, no runner, no ledger, one process):
 * one transaction per 1,000 rows. Separates the bulk writer's own cost from the
 * runner's (ledger, pool, IPC, start-up).
 */
runChild(async ({ n, chunk, path }) => {
  await dataSource.initialize();
  const metadata = dataSource.getMetadata(User);
  const t0 = performance.now();
  let rows = 0;
  if (path === "update") {
    const { max } = (await dataSource.query(`SELECT max(id) AS max FROM users`))[0];
    for (let lo = 1; lo <= max; lo += chunk) {
      const hi = lo + chunk - 1;
      await dataSource.transaction(async (manager) => {
        const users = await manager
          .createQueryBuilder(User, "row")
          .where("row.id BETWEEN :lo AND :hi", { lo, hi })
          .orderBy("row.id", "ASC")
          .getMany();
        for (const user of users) {
          rememberLoaded(metadata, user);
          user.username = user.username.toUpperCase();
        }
        rows += (await bulkUpdate(manager, users, { keyRange: { lo, hi } })).updated;
      });
    }
  } else {
    for (const batch of chunks(range(n), chunk)) {
      await dataSource.transaction(async (manager) => {
        if (path === "create") {
          rows += (await bulkInsert(manager, batch.map((i) => manager.create(User, newUserFields(i))))).inserted;
        } else {
          const result = await bulkUpsert(manager, batch.map((i) => manager.create(User, upsertUserFields(i))), { conflictColumns: ["email"] });
          rows += result.created + result.updated;
        }
      });
    }
  }
  const jobMs = performance.now() - t0;
  await dataSource.destroy();
  return { jobMs, rows };
});
