import { DataScript } from "typeorm-data-script";
import { User } from "../../entities/User";

/** The update job every method does: username = upper(username), computed in JavaScript. */
export default class BenchUpperUsernames extends DataScript<User> {
  static description = "bench: upper-case every username";
  entity = User;
  chunkSize = 1_000;

  mutate(user: User) {
    user.username = user.username.toUpperCase();
  }
}
