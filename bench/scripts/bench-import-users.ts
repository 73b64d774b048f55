import { DataScript, type InputOptions, type ScriptContext } from "typeorm-data-script";
import { User } from "../../entities/User";

/** The --input path: users upserted by e-mail from a CSV or JSON-lines file (bench/inputs-rss.ts). */
export default class BenchImportUsers extends DataScript<User, { username: string; email: string; active: boolean }> {
  static description = "bench: import users from an --input file";
  entity = User;
  chunkSize = 1_000;
  upsertOn = ["email"];
  input: InputOptions = { columns: { active: "boolean" } };

  mutate(line: { username: string; email: string; active: boolean }, ctx: ScriptContext) {
    return ctx.manager.create(User, { username: line.username, email: line.email, isActive: line.active });
  }
}
