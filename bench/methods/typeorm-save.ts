import dataSource from "../data-source";
import { User } from "../../entities/User";
import { newUserFields } from "../seed-data";
import { range, runChild } from "./child";

/**
 * (b) TypeORM `repository.save(entities, { chunk: 1000 })`, subscribers from BENCH_SUBSCRIBER.
 * update: load all N users, upper-case them, save; create: N new users, save.
 * (save() runs every chunk in ONE transaction.)
 */
runChild(async ({ n, chunk, path }) => {
  await dataSource.initialize();
  const repo = dataSource.getRepository(User);
  const t0 = performance.now();
  let users: User[];
  if (path === "update") {
    users = await repo.find({ order: { id: "ASC" } });
    for (const user of users) user.username = user.username.toUpperCase();
  } else if (path === "create") {
    users = range(n).map((i) => repo.create(newUserFields(i)));
  } else {
    throw new Error(`typeorm-save does not do the ${path} path`);
  }
  await repo.save(users, { chunk });
  const jobMs = performance.now() - t0;
  await dataSource.destroy();
  return { jobMs, rows: users.length };
});
