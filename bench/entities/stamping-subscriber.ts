import type { UpdateEvent } from "typeorm";
import { EventSubscriber } from "typeorm";
import type { User } from "../../entities/User";
import { CountingSubscriber } from "./counting-subscriber";

/**
 * The most common subscriber there is: one that sets a column in beforeUpdate
 * (an `updatedBy`, a slug, a derived field). Here it clears `isActive`, a
 * column the script does not touch, on every updated user, so every row's
 * change grows after the before-events; it counts events as the counting
 * subscriber does.
 */
@EventSubscriber()
export class StampingSubscriber extends CountingSubscriber {
  override beforeUpdate(event: UpdateEvent<User>) {
    super.beforeUpdate(event);
    if (event.entity) (event.entity as User).isActive = false;
  }
}
