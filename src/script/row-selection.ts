import type { EntityMetadata, EntitySubscriberInterface } from "typeorm";
import type { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";
import type { RelationMetadata } from "typeorm/metadata/RelationMetadata";
import { UsageError } from "../errors";
import type { DataScript } from "./data-script";

/**
 * What a table-kind run loads of each row: the whole row, or (the script declares `select` and
 * nothing else sees the entity's rows) the key, the declared columns and the version / update-date
 * / delete-date columns. Decided the same way by the parent (for the summary) and each worker.
 */
export type RowSelection =
  | { partial: false; reason: string }
  | {
      partial: true;
      /** The columns loaded, in the entity's column order. */
      columns: ColumnMetadata[];
      /** Relations the script declared (their join columns are among `columns`). */
      relations: RelationMetadata[];
      /** What the summary says: `rows loaded: id, username, updatedAt (select)`. */
      reason: string;
    };

/** The subscriber methods that see an entity's rows (transaction hooks do not). */
const ENTITY_EVENTS = [
  "afterLoad",
  "beforeInsert",
  "afterInsert",
  "beforeUpdate",
  "afterUpdate",
  "beforeRemove",
  "afterRemove",
  "beforeSoftRemove",
  "afterSoftRemove",
  "beforeRecover",
  "afterRecover",
] as const;

const cache = new WeakMap<EntityMetadata, Map<string, RowSelection>>();

/**
 * The run's row selection for `script` on `metadata`. An unknown name in `select` is a usage
 * error (exit 2), refused before any chunk.
 */
export function rowSelection(script: DataScript, metadata: EntityMetadata): RowSelection {
  const select = script.select;
  if (select === undefined) return { partial: false, reason: "whole rows" };
  const key = JSON.stringify(select);
  let byScript = cache.get(metadata);
  if (!byScript) cache.set(metadata, (byScript = new Map()));
  let selection = byScript.get(key);
  if (!selection) byScript.set(key, (selection = decide(select, metadata)));
  return selection;
}

function decide(select: unknown, metadata: EntityMetadata): RowSelection {
  const { columns: declared, relations } = resolveSelect(select, metadata);
  const seen = whoSeesRows(metadata);
  if (seen) return { partial: false, reason: `whole rows: ${seen}` };
  const always = [...metadata.primaryColumns, metadata.versionColumn, metadata.updateDateColumn, metadata.deleteDateColumn];
  const wanted = new Set<ColumnMetadata>([...declared, ...(always.filter(Boolean) as ColumnMetadata[])]);
  const columns = metadata.columns.filter((c) => wanted.has(c));
  const names = columns.filter((c) => !c.isVirtual).map((c) => c.propertyPath);
  return { partial: true, columns, relations, reason: `rows loaded: ${names.join(", ")} (select)` };
}

function resolveSelect(select: unknown, metadata: EntityMetadata): { columns: ColumnMetadata[]; relations: RelationMetadata[] } {
  if (!Array.isArray(select) || select.some((name) => typeof name !== "string")) {
    throw new UsageError(`select must be a list of ${metadata.name} property names (["id", "username"]), got ${JSON.stringify(select)}`);
  }
  const columns: ColumnMetadata[] = [];
  const relations: RelationMetadata[] = [];
  for (const name of select as string[]) {
    const relation = metadata.findRelationWithPropertyPath(name);
    if (relation) {
      if (!relation.joinColumns.length) {
        throw new UsageError(`select: ${metadata.name}.${name} is a ${relation.relationType} relation without a join column in ${metadata.tableName}; only columns and relations that own a foreign key can be selected`);
      }
      relations.push(relation);
      columns.push(...relation.joinColumns);
      continue;
    }
    const found = metadata.findColumnsWithPropertyPath(name);
    if (!found.length) {
      const known = metadata.columns.filter((c) => !c.isVirtual).map((c) => c.propertyPath);
      throw new UsageError(`select: ${metadata.name} has no property "${name}" (its properties: ${known.join(", ")})`);
    }
    columns.push(...found);
  }
  return { columns, relations };
}

/** Who would see partial rows: an entity listener or a subscriber with an entity event; undefined when none. */
function whoSeesRows(metadata: EntityMetadata): string | undefined {
  const listener = [...metadata.ownListeners, ...metadata.listeners][0];
  if (listener) return `${metadata.name} has an entity listener (@${listenerName(listener.type)} ${listener.propertyName})`;
  for (const subscriber of metadata.connection.subscribers) {
    if (!listensTo(subscriber, metadata.target)) continue;
    const events = ENTITY_EVENTS.filter((event) => typeof (subscriber as Record<string, unknown>)[event] === "function");
    if (events.length) return `subscriber ${subscriber.constructor.name} sees ${metadata.name} (${events.join(", ")})`;
  }
  return undefined;
}

/** TypeORM's Broadcaster.isAllowedSubscriber. */
function listensTo(subscriber: EntitySubscriberInterface, target: EntityMetadata["target"]): boolean {
  const listened = subscriber.listenTo?.() as unknown;
  if (!listened || listened === Object || listened === target) return true;
  return typeof listened === "function" && typeof target === "function" && Object.prototype.isPrototypeOf.call(listened, target);
}

function listenerName(type: string): string {
  return type
    .split("-")
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("");
}
