import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import type { RelationMetadata } from "typeorm/metadata/RelationMetadata";
import { Subject } from "typeorm/persistence/Subject";
import { SubjectChangedColumnsComputer } from "typeorm/persistence/SubjectChangedColumnsComputer";
import { BulkWriteError } from "./errors";
import { differFor, UNDECIDED } from "./compiled/differ";
import { fastDiff } from "./fast-diff";

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
 * Diffs an entity against its database state exactly as `save()` does: by the
 * entity's compiled differ when it decides the row, else by TypeORM's
 * SubjectChangedColumnsComputer (pinned in package.json and covered by
 * test/typeorm-internals.test.ts). Returns undefined when nothing changed.
 */
export function computeChange<T extends ObjectLiteral>(
  metadata: EntityMetadata,
  entity: T,
  databaseEntity: T,
): RowChange<T> | undefined {
  const fast = fastDiff(metadata, entity, databaseEntity);
  if (fast !== "slow") return scalarChange(metadata, entity, databaseEntity, fast);
  return generalChange(metadata, entity, databaseEntity);
}

/** computeChange for many rows of one entity: its compiled differ looked up once. */
export function changeComputer<T extends ObjectLiteral>(metadata: EntityMetadata): (entity: T, databaseEntity: T, previous?: RowChange<T>) => RowChange<T> | undefined {
  const differ = differFor(metadata);
  if (!differ) return (entity, databaseEntity) => generalChange(metadata, entity, databaseEntity);
  return (entity, databaseEntity, previous) => {
    // A second diff of a row (after the before-listeners) that finds the same columns keeps its change.
    const columns = differ(entity, databaseEntity, previous?.updatedColumns);
    if (columns === UNDECIDED) return generalChange(metadata, entity, databaseEntity);
    if (previous && columns === previous.updatedColumns) return previous;
    return scalarChange(metadata, entity, databaseEntity, columns);
  };
}

function generalChange<T extends ObjectLiteral>(metadata: EntityMetadata, entity: T, databaseEntity: T): RowChange<T> | undefined {
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

/**
 * The diff again after the before-listeners, as save() does: a row whose
 * changed columns are the same keeps its change (and the updatedColumns its
 * listeners saw, as save() keeps them); any other row gets a new one.
 */
export function rediff<T extends ObjectLiteral>(metadata: EntityMetadata, initial: RowChange<T>[]): RowChange<T>[] {
  const compute = changeComputer<T>(metadata);
  const changes: RowChange<T>[] = [];
  for (let i = 0; i < initial.length; i++) {
    const change = compute(initial[i].entity, initial[i].databaseEntity, initial[i]);
    if (change) changes.push(change);
  }
  return changes;
}

function scalarChange<T extends ObjectLiteral>(
  metadata: EntityMetadata,
  entity: T,
  databaseEntity: T,
  updatedColumns: ColumnMetadata[],
): RowChange<T> | undefined {
  let written = updatedColumns;
  for (let i = 0; i < updatedColumns.length; i++) {
    if (!updatedColumns[i].isUpdate) {
      written = updatedColumns.filter((c) => c.isUpdate);
      break;
    }
  }
  if (!written.length) return undefined;
  refusePrimaryKeyChange(metadata, databaseEntity, written);
  // Most rows of a chunk change the same columns: they share one (read-only) set.
  return { entity, databaseEntity, updatedColumns, updatedRelations: [], writeColumns: sharedWriteSet(written) };
}

/** One node per column list (in the entity's column order, as diffs list them): its set, and the longer lists. */
interface WriteSetNode {
  set?: ReadonlySet<ColumnMetadata>;
  next?: Map<ColumnMetadata, WriteSetNode>;
}

const writeSets = new WeakMap<ColumnMetadata, WriteSetNode>();

/** The same set object for the same columns, found by one map lookup per column: no set, nor a key string, per row. */
function sharedWriteSet(columns: ColumnMetadata[]): ReadonlySet<ColumnMetadata> {
  let node = writeSets.get(columns[0]);
  if (!node) writeSets.set(columns[0], (node = {}));
  for (let i = 1; i < columns.length; i++) {
    node.next ??= new Map();
    let child = node.next.get(columns[i]);
    if (!child) node.next.set(columns[i], (child = {}));
    node = child;
  }
  return (node.set ??= new Set(columns));
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
