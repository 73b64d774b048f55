import type { EventSubscriber, TransactionEventArgs } from "@mikro-orm/core";
import { emptyCounts, isEmpty, type EventCounts } from "../entities/event-counts";
import { MikroUser, MikroUserAudit } from "./entities";

const INSERT_EVENT_COUNTS_KNEX =
  "INSERT INTO bench_event_counts (pid, before_insert, after_insert, before_update, after_update) VALUES (?, ?, ?, ?, ?)";

/** The equivalent of bench/entities/counting-subscriber.ts: counts per transaction, one INSERT before commit. */
export class MikroCountingSubscriber implements EventSubscriber<MikroUser> {
  private counts: EventCounts = emptyCounts();

  getSubscribedEntities() {
    return [MikroUser];
  }

  beforeCreate() {
    this.counts.beforeInsert++;
  }

  afterCreate() {
    this.counts.afterInsert++;
  }

  beforeUpdate() {
    this.counts.beforeUpdate++;
  }

  afterUpdate() {
    this.counts.afterUpdate++;
  }

  async beforeTransactionCommit(args: TransactionEventArgs) {
    const c = this.counts;
    this.counts = emptyCounts();
    if (isEmpty(c)) return;
    await args.em
      .getConnection()
      .execute(INSERT_EVENT_COUNTS_KNEX, [process.pid, c.beforeInsert, c.afterInsert, c.beforeUpdate, c.afterUpdate], "run", args.transaction);
  }

  afterTransactionRollback() {
    this.counts = emptyCounts();
  }
}

/** The equivalent of entities/UserAuditSubscriber.ts: one audit row per updated user, written in one INSERT before commit. */
export class MikroAuditSubscriber implements EventSubscriber<MikroUser> {
  private pending: { userId: number; action: string }[] = [];

  getSubscribedEntities() {
    return [MikroUser];
  }

  afterCreate(args: { entity: MikroUser }) {
    this.pending.push({ userId: args.entity.id, action: "insert" });
  }

  afterUpdate(args: { entity: MikroUser }) {
    this.pending.push({ userId: args.entity.id, action: "update" });
  }

  async beforeTransactionCommit(args: TransactionEventArgs) {
    const rows = this.pending;
    this.pending = [];
    if (rows.length) await args.em.insertMany(MikroUserAudit, rows, { ctx: args.transaction });
  }

  afterTransactionRollback() {
    this.pending = [];
  }
}
