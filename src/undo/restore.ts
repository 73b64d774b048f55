import type { EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import { bulkDelete } from "../bulk/bulk-delete";
import { bulkUpdate } from "../bulk/bulk-update";
import { codecFor, quotedTable, quoteIdent, type ColumnCodec } from "../bulk/column-codec";
import { loadByKeys } from "../bulk/load";
import { keyOf } from "../bulk/rows";
import { rememberLoaded } from "../bulk/snapshots";
import { reinsertRemoved } from "./reinsert";
import type { UndoImage } from "./undo-image";

/** What undoing one chunk did (or, in a dry run, would do). */
export interface RestoreResult {
  /** Rows whose written columns were written back. */
  restored: number;
  /** Rows left as they are: changed (or deleted) since the run wrote them, by live traffic. */
  skipped: number;
  /** Rows the run inserted, deleted again. */
  deleted: number;
  /** Rows the run deleted (mutate returned REMOVE), inserted again. */
  reinserted: number;
  /** Keys of the skipped rows. */
  skippedKeys: ObjectLiteral[];
  /** Rows restored, per column (property path). */
  columns: Record<string, number>;
  /** Before → after of the first restored rows (current values → the values restored). */
  samples: { key: ObjectLiteral; before: Record<string, unknown>; after: Record<string, unknown> }[];
}

const SAMPLES = 3;

/**
 * Undoes one chunk's image, in the caller's transaction: rows it updated get
 * back the values their written columns held — only where those columns
 * still hold what the run wrote (and the version, if any, is the one it left)
 * — through bulkUpdate, so beforeUpdate/afterUpdate fire with the current row
 * as `databaseEntity` and the restored columns as `updatedColumns`; rows it
 * inserted are deleted through bulkDelete (beforeRemove/afterRemove); rows it
 * deleted are inserted again, whole, through bulkInsert (insert events), unless
 * their key is taken since. A soft-removal is an update of the delete date:
 * restored as one (the delete date written back to null).
 */
export async function restoreImage(manager: EntityManager, metadata: EntityMetadata, image: UndoImage): Promise<RestoreResult> {
  if (image.entity !== metadata.name) {
    throw new Error(`the before-images were kept for ${image.entity}, but the script now works on ${metadata.name}: revert refuses to guess`);
  }
  const result: RestoreResult = { restored: 0, skipped: 0, deleted: 0, reinserted: 0, skippedKeys: [], columns: {}, samples: [] };
  if (image.updated) await restoreUpdated(manager, metadata, image.updated, result);
  if (image.inserted) await deleteInserted(manager, metadata, image.inserted, result);
  if (image.removed) {
    const { reinserted, skippedKeys } = await reinsertRemoved(manager, metadata, image.removed);
    result.reinserted += reinserted;
    result.skipped += skippedKeys.length;
    result.skippedKeys.push(...skippedKeys);
  }
  return result;
}

async function restoreUpdated(manager: EntityManager, metadata: EntityMetadata, image: NonNullable<UndoImage["updated"]>, result: RestoreResult) {
  const keys = metadata.primaryColumns.map(codecFor);
  const columns = image.columns.map((name) => columnNamed(metadata, name));
  const codecs = columns.map(codecFor);
  await lockRows(manager, metadata, keys, image.keys);
  const args: string[] = [];
  const fields: string[] = [];
  const param = (literal: string, type: string, field: string) => {
    args.push(`$${args.length + 1}::${type}`);
    fields.push(field);
    return literal;
  };
  const params: string[] = [];
  keys.forEach((k, i) => params.push(param(image.keys[i], k.paramType, `k${i}`)));
  codecs.forEach((c, i) => params.push(param(image.before[i], c.paramType, `b${i}`)));
  codecs.forEach((c, i) => params.push(param(image.after[i], c.paramType, `a${i}`)));
  codecs.forEach((_, i) => image.wrote[i] !== null && params.push(param(image.wrote[i]!, "boolean[]", `w${i}`)));
  const version = metadata.versionColumn && image.versionAfter !== undefined ? codecFor(metadata.versionColumn) : undefined;
  if (version) params.push(param(image.versionAfter!, version.paramType, "va"));
  // Intact: every column the row wrote still holds what was written (json has no equality: compared as text).
  const holds = codecs.map((c, i) => {
    // A soft-removal's delete date is the server's CURRENT_TIMESTAMP (microseconds); its image holds it as a JavaScript Date (milliseconds).
    const same = c.column.isDeleteDate
      ? `date_trunc('milliseconds', t.${c.name}) IS NOT DISTINCT FROM date_trunc('milliseconds', ${c.read("v", `a${i}`)})`
      : c.paramType === "json[]"
        ? `t.${c.name}::text IS NOT DISTINCT FROM (${c.read("v", `a${i}`)})::text`
        : `t.${c.name} IS NOT DISTINCT FROM ${c.read("v", `a${i}`)}`;
    return image.wrote[i] === null ? same : `(NOT v.w${i} OR ${same})`;
  });
  if (version) holds.push(`t.${version.name} = v.va`);
  const rows: ObjectLiteral[] = await manager.query(
    `SELECT v.__ord, ${keys.map((k, i) => `${k.read("v", `k${i}`)} AS ${quoteIdent(`k${i}`)}`).join(", ")},
            t.${keys[0].name} IS NOT NULL AS present, (${holds.join(" AND ") || "true"}) AS intact,
            ${codecs.map((c, i) => `${c.read("v", `b${i}`)} AS ${quoteIdent(`b${i}`)}`).join(", ")}
            ${image.wrote.map((w, i) => (w === null ? "" : `, v.w${i} AS ${quoteIdent(`w${i}`)}`)).join("")}
     FROM unnest(${args.join(", ")}) WITH ORDINALITY AS v(${fields.join(", ")}, __ord)
     LEFT JOIN ${quotedTable(metadata)} AS t ON ${keys.map((k, i) => `t.${k.name} = ${k.read("v", `k${i}`)}`).join(" AND ")}
     ORDER BY v.__ord`,
    params,
  );
  const driver = metadata.connection.driver;
  const stubs = rows.map((row) => keyStub(metadata, row));
  const intact = rows.filter((row) => row.present && row.intact);
  // A soft-removal's restore reads the row it soft-removed.
  const withDeleted = metadata.deleteDateColumn !== undefined && columns.includes(metadata.deleteDateColumn);
  const loaded = await loadByKeys(manager, metadata, intact.map((row) => stubs[rows.indexOf(row)]), { withDeleted });
  const entities: ObjectLiteral[] = [];
  rows.forEach((row, i) => {
    const entity = row.present && row.intact ? loaded.get(keyOf(metadata, stubs[i])) : undefined;
    if (!entity) {
      result.skipped++;
      result.skippedKeys.push(metadata.getEntityIdMap(stubs[i])!);
      return;
    }
    rememberLoaded(metadata, entity);
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    columns.forEach((column, c) => {
      if (image.wrote[c] !== null && !row[`w${c}`]) return;
      before[column.propertyPath] = column.getEntityValue(entity);
      column.setEntityValue(entity, driver.prepareHydratedValue(row[`b${c}`], column));
      after[column.propertyPath] = column.getEntityValue(entity);
      result.columns[column.propertyPath] = (result.columns[column.propertyPath] ?? 0) + 1;
    });
    if (result.samples.length < SAMPLES) result.samples.push({ key: metadata.getEntityIdMap(entity)!, before, after });
    entities.push(entity);
  });
  const update = await bulkUpdate(manager, entities);
  result.restored += update.updated;
}

async function deleteInserted(manager: EntityManager, metadata: EntityMetadata, image: NonNullable<UndoImage["inserted"]>, result: RestoreResult) {
  const keys = metadata.primaryColumns.map(codecFor);
  await lockRows(manager, metadata, keys, image.keys);
  const version = metadata.versionColumn && image.versionAfter !== undefined ? codecFor(metadata.versionColumn) : undefined;
  const params = [...image.keys, ...(version ? [image.versionAfter!] : [])];
  const fields = [...keys.map((_, i) => `k${i}`), ...(version ? ["va"] : [])];
  const types = [...keys.map((k) => k.paramType), ...(version ? [version.paramType] : [])];
  const rows: ObjectLiteral[] = await manager.query(
    `SELECT ${keys.map((k, i) => `${k.read("v", `k${i}`)} AS ${quoteIdent(`k${i}`)}`).join(", ")},
            t.${keys[0].name} IS NOT NULL AS present, ${version ? `t.${version.name} IS NOT DISTINCT FROM v.va` : "true"} AS intact
     FROM unnest(${types.map((t, i) => `$${i + 1}::${t}`).join(", ")}) WITH ORDINALITY AS v(${fields.join(", ")}, __ord)
     LEFT JOIN ${quotedTable(metadata)} AS t ON ${keys.map((k, i) => `t.${k.name} = ${k.read("v", `k${i}`)}`).join(" AND ")}
     ORDER BY v.__ord`,
    params,
  );
  const present = rows.filter((row) => row.present);
  const loaded = await loadByKeys(manager, metadata, present.map((row) => keyStub(metadata, row)));
  const toDelete: ObjectLiteral[] = [];
  for (const row of present) {
    const entity = loaded.get(keyOf(metadata, keyStub(metadata, row)));
    if (entity && row.intact) toDelete.push(entity);
    else {
      // A version that moved since the insert: live traffic owns the row now.
      result.skipped++;
      result.skippedKeys.push(metadata.getEntityIdMap(keyStub(metadata, row))!);
    }
  }
  result.deleted += (await bulkDelete(manager, toDelete)).deleted;
}

/** Locks the image's rows, in key order (one order for every writer: no deadlock), before deciding anything about them. */
async function lockRows(manager: EntityManager, metadata: EntityMetadata, keys: ColumnCodec[], literals: string[]): Promise<void> {
  await manager.query(
    `SELECT 1 FROM ${quotedTable(metadata)} AS t
     JOIN unnest(${keys.map((k, i) => `$${i + 1}::${k.paramType}`).join(", ")}) AS v(${keys.map((_, i) => `k${i}`).join(", ")})
       ON ${keys.map((k, i) => `t.${k.name} = ${k.read("v", `k${i}`)}`).join(" AND ")}
     ORDER BY ${keys.map((k) => `t.${k.name}`).join(", ")} FOR UPDATE OF t`,
    literals,
  );
}

/** An entity holding only the row's key, hydrated as TypeORM hydrates it. */
function keyStub(metadata: EntityMetadata, row: ObjectLiteral): ObjectLiteral {
  const stub = metadata.create() as ObjectLiteral;
  metadata.primaryColumns.forEach((column, i) => column.setEntityValue(stub, metadata.connection.driver.prepareHydratedValue(row[`k${i}`], column)));
  return stub;
}

function columnNamed(metadata: EntityMetadata, name: string): ColumnMetadata {
  const column = metadata.findColumnWithDatabaseName(name);
  if (!column) throw new Error(`the before-images name a column ${metadata.name} no longer has: ${name}`);
  return column;
}
