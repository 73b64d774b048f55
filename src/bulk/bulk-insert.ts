import type { EntityManager, ObjectLiteral } from "typeorm";
import { quotedTable } from "./column-codec";
import { refuseCollections } from "./change-set";
import { afterInsert, beforeInsert } from "./events";
import { insertParams, planInsert } from "./insert-columns";
import { applyReturnedFor, setMissingNullablesFor } from "./compiled/returned-values";
import { assertSameClass, metadataOf } from "./rows";
import { buildInsert } from "./sql";
import { runStatement } from "./statement-error";
import { inTransaction } from "./transaction";

export interface BulkInsertResult {
  inserted: number;
}

/**
 * Inserts `entities` with ONE `INSERT … SELECT … FROM unnest(…) RETURNING …`,
 * firing beforeInsert/afterInsert as save() does; generated keys, dates,
 * versions and defaults are merged into the entities before afterInsert.
 */
export async function bulkInsert<T extends ObjectLiteral>(manager: EntityManager, entities: T[]): Promise<BulkInsertResult> {
  if (!entities.length) return { inserted: 0 };
  const metadata = metadataOf(manager, entities);
  assertSameClass(metadata, entities);
  refuseCollections(metadata, entities);
  return inTransaction(manager, async (qr) => {
    await beforeInsert(qr, metadata, entities);
    refuseCollections(metadata, entities); // a listener may have set one
    // Planned after before-events: listeners may fill columns.
    const plan = planInsert(metadata, entities);
    const statement = buildInsert({
      table: quotedTable(metadata),
      columns: plan.columns,
      fallbacks: plan.fallbacks,
      returning: plan.returning,
    });
    const params = insertParams(metadata, statement, plan, entities);
    const rows = await runStatement(qr, statement, params);
    const apply = applyReturnedFor(metadata, plan.returning.map((c) => c.column));
    const setNullables = setMissingNullablesFor(metadata);
    entities.forEach((entity, i) => {
      apply(entity, rows[i]);
      setNullables(entity);
    });
    await afterInsert(qr, metadata, entities);
    return { inserted: rows.length };
  });
}
