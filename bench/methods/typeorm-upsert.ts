import dataSource from "../data-source";
import { User } from "../../entities/User";
import { upsertUserFields } from "../seed-data";
import { chunks, range, runChild } from "./child";

/**
 * Upsert path: TypeORM `repository.upsert(batch, ["email"])` per 1,000 rows, each in
 * its own transaction (one call for all N would pass the 65,535-parameter limit).
 * TypeORM fires beforeInsert/afterInsert for every row, existing or not.
 */
runChild(async ({ n, chunk }) => {
  await dataSource.initialize();
  const t0 = performance.now();
  for (const batch of chunks(range(n), chunk)) {
    await dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(User);
      await repo.upsert(batch.map((i) => repo.create(upsertUserFields(i))), ["email"]);
    });
  }
  const jobMs = performance.now() - t0;
  await dataSource.destroy();
  return { jobMs, rows: n };
});
