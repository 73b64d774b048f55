import { DataScript } from "typeorm-data-script";
import { WideUser } from "../entities";

/** The same job, declaring the one property it reads and writes. */
export default class PartialUpperSelect extends DataScript<WideUser> {
  entity = WideUser;
  select = ["username"];

  mutate(user: WideUser) {
    user.username = user.username.toUpperCase();
  }
}
