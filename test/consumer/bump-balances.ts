import { DataScript, type ScriptContext } from "typeorm-data-script";
// A tsconfig `paths` alias, as the app's own code uses them.
import { Account } from "@app/entities/account";

export default class BumpBalances extends DataScript<Account> {
  static description = "Add the bonus to every balance";
  entity = Account;
  chunkSize = 250;

  mutate(account: Account, ctx: ScriptContext) {
    account.balance += Number(ctx.params.bonus ?? 10);
  }
}
