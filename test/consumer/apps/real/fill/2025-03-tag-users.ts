import { DataScript } from "typeorm-data-script";
import { User } from "@app/entities/user.entity";

/** Table kind over the uuid-keyed users: a text[] and a bigint column. */
export default class TagUsers extends DataScript<User> {
  static override description = "Tag every user verified and grant one credit";
  entity = User;
  override chunkSize = 100;

  mutate(user: User) {
    user.tags = [...user.tags, "verified"];
    user.credits = String(BigInt(user.credits) + 1n);
  }
}
