import { MikroORM } from "@mikro-orm/postgresql";
import { MikroUser, MikroUserAuditSchema, MikroUserSchema } from "../mikro/entities";
import { MikroAuditSubscriber, MikroCountingSubscriber } from "../mikro/subscribers";
import { runChild } from "./child";

/**
 * (c) MikroORM 6 `em.flush()`: per 1,000-row chunk (keyset), load, upper-case, flush
 * (one transaction; MikroORM batches the UPDATEs itself, default batchSize), clear.
 * Subscriber from BENCH_SUBSCRIBER: count or audit, as the TypeORM methods.
 */
runChild(async ({ chunk, path }) => {
  if (path !== "update") throw new Error(`mikro-flush does not do the ${path} path`);
  const mode = process.env.BENCH_SUBSCRIBER ?? "count";
  const orm = await MikroORM.init({
    clientUrl: process.env.DATABASE_URL,
    entities: [MikroUserSchema, MikroUserAuditSchema],
    subscribers: mode === "audit" ? [new MikroAuditSubscriber()] : mode === "count" ? [new MikroCountingSubscriber()] : [],
    pool: { min: 1, max: 4 },
    debug: false,
  });
  const em = orm.em.fork();
  const t0 = performance.now();
  let rows = 0;
  let last = 0;
  for (;;) {
    const users = await em.find(MikroUser, { id: { $gt: last } }, { orderBy: { id: "asc" }, limit: chunk });
    if (!users.length) break;
    for (const user of users) user.username = user.username.toUpperCase();
    await em.flush();
    rows += users.length;
    last = users[users.length - 1].id;
    em.clear();
  }
  const jobMs = performance.now() - t0;
  await orm.close();
  return { jobMs, rows, note: `batchSize ${orm.config.get("batchSize")}` };
});
