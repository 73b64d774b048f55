import { DataScript } from "typeorm-data-script";
import { WideUser } from "../entities";

/** username = upper(username), loading whole rows. */
export default class PartialUpperWhole extends DataScript<WideUser> {
  entity = WideUser;

  mutate(user: WideUser) {
    user.username = user.username.toUpperCase();
  }
}
