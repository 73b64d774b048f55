import { DataScript, type ScriptContext } from "typeorm-data-script";
import { User } from "../../entities/User";
import { upsertUserFields } from "../seed-data";

/** The upsert path: N users by e-mail, half of them existing (even n), half new. */
export default class BenchUpsertUsers extends DataScript<User, number> {
  static description = "bench: upsert N users by email";
  entity = User;
  chunkSize = 1_000;
  upsertOn = ["email"];

  *source(ctx: ScriptContext): Iterable<number> {
    const count = Number(ctx.params.count);
    for (let n = 1; n <= count; n++) yield n;
  }

  mutate(n: number, ctx: ScriptContext) {
    return ctx.manager.create(User, upsertUserFields(n));
  }
}
