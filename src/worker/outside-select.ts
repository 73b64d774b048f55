import { isDeepStrictEqual } from "node:util";
import type { EntityMetadata, ObjectLiteral } from "typeorm";
import type { RowSelection } from "../script/row-selection";

/** The property `mutate` set outside the loaded columns (undefined when none): compares a row with its state as loaded. */
export type OutsideSelect = (row: ObjectLiteral, loaded: ObjectLiteral) => string | undefined;

/**
 * With partial rows, a column that was not loaded has no before-image: a write to it would go
 * out with a wrong one, so the chunk refuses it instead. Undefined when whole rows are loaded.
 */
export function outsideSelectGuard(metadata: EntityMetadata, selection: RowSelection): OutsideSelect | undefined {
  if (!selection.partial) return undefined;
  const loaded = new Set(selection.columns);
  const columns = metadata.columns.filter((c) => !c.isVirtual && !loaded.has(c) && !(c.relationMetadata && c.propertyName === c.relationMetadata.propertyName));
  const relations = metadata.relationsWithJoinColumns.filter((r) => !selection.relations.includes(r));
  return (row, state) => {
    for (let i = 0; i < columns.length; i++) {
      const now = columns[i].getEntityValue(row);
      const before = columns[i].getEntityValue(state);
      if (now !== before && !isDeepStrictEqual(now, before)) return columns[i].propertyPath;
    }
    for (let i = 0; i < relations.length; i++) {
      if (relations[i].getEntityValue(row) !== relations[i].getEntityValue(state)) return relations[i].propertyPath;
    }
    return undefined;
  };
}
