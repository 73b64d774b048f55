import { DataScript } from "typeorm-data-script";
import { User } from "../entities/User";

/** Table kind: upper-case every username. */
export default class RenameUsers extends DataScript<User> {
  static override description = "Upper-case every username";
  entity = User;
  override chunkSize = 1_000;

  mutate(user: User) {
    user.username = user.username.toUpperCase();
  }
}
