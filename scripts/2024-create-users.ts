import { DataScript, type ScriptContext } from "typeorm-data-script";
import { User } from "../entities/User";

interface NewUser {
  n: number;
}

/** Source kind: 100,000 demo users, bulk-inserted (ids come back before afterInsert fires). */
export default class CreateUsers extends DataScript<User, NewUser> {
  static override description = "Create 100,000 demo users";
  entity = User;
  override chunkSize = 1_000;

  override *source(ctx: ScriptContext): Iterable<NewUser> {
    const count = Number(ctx.params.count ?? 100_000);
    for (let n = 1; n <= count; n++) yield { n };
  }

  mutate({ n }: NewUser, ctx: ScriptContext) {
    return ctx.manager.create(User, { username: `user${n}`, email: `User${n}@Example.com` });
  }
}
