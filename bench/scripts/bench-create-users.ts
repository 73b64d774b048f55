import { DataScript, type ScriptContext } from "typeorm-data-script";
import { User } from "../../entities/User";
import { newUserFields } from "../seed-data";

/** The create path: `--param count=N` new users, bulk-inserted with events. */
export default class BenchCreateUsers extends DataScript<User, number> {
  static description = "bench: create N users";
  entity = User;
  chunkSize = 1_000;

  *source(ctx: ScriptContext): Iterable<number> {
    const count = Number(ctx.params.count);
    for (let n = 1; n <= count; n++) yield n;
  }

  mutate(n: number, ctx: ScriptContext) {
    return ctx.manager.create(User, newUserFields(n));
  }
}
