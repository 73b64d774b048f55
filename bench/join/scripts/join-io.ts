import { DataScript, type ScriptContext } from "typeorm-data-script";
import { User } from "../../../entities/User";

/**
 * I/O-bound: the same update, and per chunk an afterSave that waits on an
 * "external call" (a search index, a partner API) answering in 250 ms: most
 * of each chunk's time is waiting, not CPU. `--param waitMs=<n>` changes the wait
 * (the eviction bench makes the run outlast its leases).
 */
export default class JoinIo extends DataScript<User> {
  entity = User;
  chunkSize = 1_000;

  mutate(user: User) {
    user.username = user.username.toUpperCase();
  }

  async afterSave(_users: User[], ctx: ScriptContext) {
    await new Promise((resolve) => setTimeout(resolve, Number(ctx.params.waitMs ?? 250)));
  }
}
