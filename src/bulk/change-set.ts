import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import type { RelationMetadata } from "typeorm/metadata/RelationMetadata";
import { Subject } from "typeorm/persistence/Subject";
import { SubjectChangedColumnsComputer } from "typeorm/persistence/SubjectChangedColumnsComputer";
import { BulkWriteError } from "./errors";
import { scalarDiff } from "./fast-diff";

/** What save() would write for one row: computed by TypeORM's own change computer. */
export interface RowChange<T> {
  entity: T;
  databaseEntity: T;
  /** Columns as save() reports them in `updatedColumns`. */
  updatedColumns: ColumnMetadata[];
  updatedRelations: RelationMetadata[];
  /** Database columns to write (relation changes resolved to their join columns). Shared between rows: read only. */
  writeColumns: ReadonlySet<ColumnMetadata>;
}

const computer = new SubjectChangedColumnsComputer();

/**
 * Diffs an entity against its database state exactly as `save()` does
 * (TypeORM's SubjectChangedColumnsComputer, pinned in package.json and covered
 * by test/typeorm-internals.test.ts). Returns undefined when nothing changed.
 */
export function computeChange<T extends ObjectLiteral>(
  metadata: EntityMetadata,
  entity: T,
  databaseEntity: T,
): RowChange<T> | undefined {
  const fast = scalarDiff(metadata, entity, databaseEntity);
  if (fast !== "slow") return scalarChange(metadata, entity, databaseEntity, fast);
  refuseToManyChanges(metadata, entity, databaseEntity);
  refuseUnsavedRelations(metadata, [entity]);
  const subject = new Subject({ metadata, entity, canBeUpdated: true });
  subject.databaseEntity = databaseEntity;
  subject.databaseEntityLoaded = true;
  computer.compute([subject]);
  if (!subject.mustBeUpdated) return undefined;

  const writeColumns = new Set<ColumnMetadata>();
  for (const change of subject.changeMaps) {
    if (change.column) {
      if (change.column.isUpdate) writeColumns.add(change.column);
    } else if (change.relation) {
      for (const joinColumn of change.relation.joinColumns) writeColumns.add(joinColumn);
    }
  }
  refusePrimaryKeyChange(metadata, databaseEntity, writeColumns);
  return {
    entity,
    databaseEntity,
    updatedColumns: subject.diffColumns,
    updatedRelations: subject.diffRelations,
    writeColumns,
  };
}

function scalarChange<T extends ObjectLiteral>(
  metadata: EntityMetadata,
  entity: T,
  databaseEntity: T,
  updatedColumns: ColumnMetadata[],
): RowChange<T> | undefined {
  let written = updatedColumns;
  for (const column of updatedColumns) {
    if (!column.isUpdate) {
      written = updatedColumns.filter((c) => c.isUpdate);
      break;
    }
  }
  if (!written.length) return undefined;
  refusePrimaryKeyChange(metadata, databaseEntity, written);
  // Most rows of a chunk change the same one column: they share one (read-only) set.
  const writeColumns = written.length === 1 ? singleColumnSet(written[0]) : new Set(written);
  return { entity, databaseEntity, updatedColumns, updatedRelations: [], writeColumns };
}

const singleColumnSets = new WeakMap<ColumnMetadata, ReadonlySet<ColumnMetadata>>();

function singleColumnSet(column: ColumnMetadata): ReadonlySet<ColumnMetadata> {
  let set = singleColumnSets.get(column);
  if (!set) {
    set = new Set([column]);
    singleColumnSets.set(column, set);
  }
  return set;
}

function refusePrimaryKeyChange(metadata: EntityMetadata, databaseEntity: ObjectLiteral, writeColumns: Iterable<ColumnMetadata>): void {
  for (const column of writeColumns) {
    if (column.isPrimary) {
      throw new BulkWriteError(
        `changing the primary key is not supported: ${metadata.name}.${column.propertyName} of row ${describeKey(metadata, databaseEntity)}`,
      );
    }
  }
}

// save() writes to-many collections through junction tables and child rows;
// one statement per chunk can't, so such a change fails loudly instead of being dropped.
function refuseToManyChanges(metadata: EntityMetadata, entity: ObjectLiteral, databaseEntity: ObjectLiteral) {
  for (const relation of metadata.relations) {
    if (!relation.isOneToMany && !relation.isManyToMany) continue;
    const now = relation.getEntityValue(entity);
    if (now === undefined) continue;
    const before = relation.getEntityValue(databaseEntity);
    if (!sameIds(relation, now, before)) throw collectionError(metadata, relation, `row ${describeKey(metadata, databaseEntity)}`);
  }
}

/** For new rows: a non-empty collection is one save() would write (junction rows, children's keys); refuse it. Likewise a relation to an unsaved row. */
export function refuseCollections(metadata: EntityMetadata, entities: ObjectLiteral[]): void {
  refuseUnsavedRelations(metadata, entities);
  for (const relation of metadata.relations) {
    if (!relation.isOneToMany && !relation.isManyToMany) continue;
    entities.forEach((entity, i) => {
      const value = relation.getEntityValue(entity);
      if (Array.isArray(value) ? value.length > 0 : value != null) throw collectionError(metadata, relation, `new row #${i + 1}`);
    });
  }
}

/**
 * A ManyToOne set to an entity without its key (not saved yet): save() would
 * cascade or fail; one statement can only write a key, so refuse rather than
 * write NULL.
 */
export function refuseUnsavedRelations(metadata: EntityMetadata, entities: ObjectLiteral[]): void {
  for (const relation of metadata.relationsWithJoinColumns) {
    entities.forEach((entity, i) => {
      const value = relation.getEntityValue(entity);
      if (value === null || typeof value !== "object") return;
      if (relation.joinColumns.some((c) => c.referencedColumn?.getEntityValue(value) == null)) {
        throw new BulkWriteError(
          `${metadata.name}.${relation.propertyName} is set to a ${relation.inverseEntityMetadata.name} without its key ` +
            `(row ${describeKey(metadata, entity)} / #${i + 1}); the bulk writer writes foreign keys, it does not cascade: save the related row first.`,
        );
      }
    });
  }
}

function collectionError(metadata: EntityMetadata, relation: RelationMetadata, row: string): BulkWriteError {
  return new BulkWriteError(
    `${metadata.name}.${relation.propertyName} is a ${relation.relationType} collection; ` +
      `the bulk writer does not write collections (${row}). ` +
      `Change the related rows in their own data script or with the repository.`,
  );
}

function sameIds(relation: RelationMetadata, a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return a === b;
  if (a.length !== b.length) return false;
  const key = (x: ObjectLiteral) => JSON.stringify(relation.inverseEntityMetadata.getEntityIdMap(x));
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((v, i) => v === right[i]);
}

export function describeKey(metadata: EntityMetadata, entity: ObjectLiteral): string {
  const columns = metadata.primaryColumns;
  if (columns.length === 1) return String(columns[0].getEntityValue(entity));
  return columns.map((c) => `${c.propertyName}=${String(c.getEntityValue(entity))}`).join(", ");
}
