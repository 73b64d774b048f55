import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { readExpr, writeStatement } from "./column-access";
import { bind, compileFunction, identifier } from "./compile-function";
import { perEntity } from "./per-entity";

/** A detached copy of an entity's column and relation values, of the same class: its state as loaded. */
export type Snapshotter = (entity: ObjectLiteral) => ObjectLiteral;

export const snapshotterFor = perEntity((metadata) => compileSnapshotter(metadata));

/**
 * One read and one write per column (a relation's own columns are copied with
 * the relation), values cloned so that a mutate changing a Date or a json
 * object in place still shows as a change: Dates inline, other objects by
 * cloneValue. Relation values are copied by reference (arrays shallowly), as
 * save() compares them by id.
 */
function compileSnapshotter(metadata: EntityMetadata): Snapshotter {
  const context = new Map<string, unknown>([["cloneValue", cloneValue]]);
  const lines: string[] = [];
  for (const column of metadata.columns) {
    if (column.relationMetadata && column.propertyName === column.relationMetadata.propertyName) continue;
    lines.push(
      `  v = ${readExpr(context, column, "entity")};`,
      `  if (v !== undefined) ${writeStatement(context, column, "copy", "typeof v !== \"object\" || v === null ? v : v instanceof Date ? new Date(v.getTime()) : cloneValue(v)")}`,
    );
  }
  for (const relation of metadata.relations) {
    const ref = bind(context, "relation", relation);
    lines.push(
      `  v = ${ref}.getEntityValue(entity);`,
      `  if (v !== undefined) ${ref}.setEntityValue(copy, Array.isArray(v) ? [...v] : v);`,
    );
  }
  const source =
    `return function snapshot${identifier(metadata.name)}(entity) {\n` +
    `  const copy = Object.create(Object.getPrototypeOf(entity));\n` +
    `  let v;\n` +
    `${lines.join("\n")}\n` +
    `  return copy;\n` +
    `}`;
  return compileFunction<Snapshotter>(context, source);
}

/**
 * Deep copy that keeps each object's prototype. Not structuredClone: it turns
 * class instances into plain objects (and under jest/vm returns another realm's
 * objects), and TypeORM's deepCompare treats a different constructor as a
 * change, so every json/array value would be written again.
 */
function cloneValue(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(cloneValue);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, cloneValue(v)]));
  if (value instanceof Set) return new Set([...value].map(cloneValue));
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) copy[k] = cloneValue(v);
  return copy;
}
