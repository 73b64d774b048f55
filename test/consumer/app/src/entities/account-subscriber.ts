import { Column, Entity, EventSubscriber, PrimaryGeneratedColumn, type EntitySubscriberInterface, type UpdateEvent } from "typeorm";
import { Account } from "./account.js";

@Entity("event_log")
export class EventLog {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  accountId: number;

  @Column()
  kind: string;
}

/** Counts what it sees, one row per event, in the event's own transaction. */
@EventSubscriber()
export class AccountSubscriber implements EntitySubscriberInterface<Account> {
  listenTo() {
    return Account;
  }

  async beforeUpdate(event: UpdateEvent<Account>) {
    await event.manager.insert(EventLog, { accountId: event.databaseEntity.id, kind: "beforeUpdate" });
  }

  async afterUpdate(event: UpdateEvent<Account>) {
    const columns = event.updatedColumns.map((c) => c.propertyName).join(",");
    await event.manager.insert(EventLog, { accountId: (event.entity as Account).id, kind: `afterUpdate:${columns}` });
  }
}
