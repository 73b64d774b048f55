import type { EntitySubscriberInterface, InsertEvent, QueryRunner, TransactionCommitEvent, UpdateEvent } from "typeorm";
import { EventSubscriber } from "typeorm";
import { bulkInsert } from "typeorm-data-script";
import { User } from "./User";
import { UserAudit, type AuditAction } from "./UserAudit";

/**
 * Writes one user_audit row per inserted or updated User, in the writer's
 * transaction (so the audit commits or rolls back with the data).
 *
 * The rows are collected per transaction and written in ONE statement from
 * beforeTransactionCommit — the idiomatic fast form: a subscriber that called
 * `event.manager.insert()` in afterUpdate would also work, at one round trip per row.
 */
@EventSubscriber()
export class UserAuditSubscriber implements EntitySubscriberInterface<User> {
  private pending = new WeakMap<QueryRunner, Partial<UserAudit>[]>();

  listenTo() {
    return User;
  }

  afterInsert(event: InsertEvent<User>) {
    this.record(event.queryRunner, event.entity.id, "insert");
  }

  afterUpdate(event: UpdateEvent<User>) {
    const id = (event.entity as User | undefined)?.id ?? (event.databaseEntity as User | undefined)?.id;
    if (id !== undefined) this.record(event.queryRunner, id, "update");
  }

  async beforeTransactionCommit(event: TransactionCommitEvent) {
    const rows = this.pending.get(event.queryRunner);
    if (!rows?.length) return;
    this.pending.delete(event.queryRunner);
    // One INSERT … SELECT FROM unnest for the whole transaction (manager.insert would work too, but builds 3 parameters a row).
    await bulkInsert(event.manager, event.manager.create(UserAudit, rows));
  }

  afterTransactionRollback(event: TransactionCommitEvent) {
    this.pending.delete(event.queryRunner);
  }

  private record(queryRunner: QueryRunner, userId: number, action: AuditAction) {
    let rows = this.pending.get(queryRunner);
    if (!rows) this.pending.set(queryRunner, (rows = []));
    rows.push({ userId, action });
  }
}
