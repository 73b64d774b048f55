import { DataScript, type ScriptContext } from "typeorm-data-script";
// A tsconfig `paths` alias, as the app's own code uses them.
import { Account } from "@app/entities/account";

export default class BumpBalances extends DataScript<Account> {
  static override description = "Add the bonus to every balance";
  entity = Account;
  override chunkSize = 250;

  mutate(account: Account, ctx: ScriptContext) {
    account.balance += Number(ctx.params.bonus ?? 10);
  }
}
