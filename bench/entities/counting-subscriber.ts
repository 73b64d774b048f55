import type { EntitySubscriberInterface, InsertEvent, QueryRunner, TransactionCommitEvent, UpdateEvent } from "typeorm";
import { EventSubscriber } from "typeorm";
import { User } from "../../entities/User";
import { countParams, emptyCounts, INSERT_EVENT_COUNTS, isEmpty, type EventCounts } from "./event-counts";

/**
 * The cheap subscriber: counts User events per transaction and records the
 * counts with one INSERT from beforeTransactionCommit (see event-counts.ts).
 */
@EventSubscriber()
export class CountingSubscriber implements EntitySubscriberInterface<User> {
  private counts = new WeakMap<QueryRunner, EventCounts>();

  listenTo() {
    return User;
  }

  beforeInsert(event: InsertEvent<User>) {
    this.of(event.queryRunner).beforeInsert++;
  }

  afterInsert(event: InsertEvent<User>) {
    this.of(event.queryRunner).afterInsert++;
  }

  beforeUpdate(event: UpdateEvent<User>) {
    this.of(event.queryRunner).beforeUpdate++;
  }

  afterUpdate(event: UpdateEvent<User>) {
    this.of(event.queryRunner).afterUpdate++;
  }

  async beforeTransactionCommit(event: TransactionCommitEvent) {
    const counts = this.counts.get(event.queryRunner);
    this.counts.delete(event.queryRunner);
    if (counts && !isEmpty(counts)) await event.queryRunner.query(INSERT_EVENT_COUNTS, countParams(counts));
  }

  afterTransactionRollback(event: TransactionCommitEvent) {
    this.counts.delete(event.queryRunner);
  }

  private of(queryRunner: QueryRunner): EventCounts {
    let counts = this.counts.get(queryRunner);
    if (!counts) this.counts.set(queryRunner, (counts = emptyCounts()));
    return counts;
  }
}
