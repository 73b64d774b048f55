declare module "pg/lib/utils" {
  /** node-pg's own conversion of a JS value to its text form (arrays become array literals). */
  export function prepareValue(value: unknown): unknown;
}
