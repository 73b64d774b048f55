import { DataScript } from "typeorm-data-script";
import { User } from "../../../entities/User";

/** CPU-bound: the update every method of the bench does, username = upper(username), computed in JavaScript. */
export default class JoinCpu extends DataScript<User> {
  entity = User;
  chunkSize = 1_000;

  mutate(user: User) {
    user.username = user.username.toUpperCase();
  }
}
