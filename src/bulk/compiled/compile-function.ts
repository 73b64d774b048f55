/**
 * Builds a function from generated source, in the manner of MikroORM's
 * Utils.createFunction: the values the code needs (column metadata, helpers)
 * are passed in by name, so the body reads them as plain local variables, and
 * the function is named after what it does, so it shows by name in profiles.
 */
export function compileFunction<F extends (...args: never[]) => unknown>(context: Map<string, unknown>, source: string): F {
  try {
    return new Function(...context.keys(), `"use strict";\n${source}`)(...context.values()) as F;
  } catch (error) {
    // Generated code that does not parse is a bug here, not in the app: show it.
    throw new Error(`data-script: generated code did not compile (${(error as Error).message}):\n${source}`, { cause: error });
  }
}

/** An entity's name as part of a generated function's name (`diffUser`), for profiles. */
export function identifier(name: string): string {
  return name.replace(/[^A-Za-z0-9_$]/g, "_");
}

/** A JavaScript property access for any property name: `["user name"]`. */
export function prop(name: string): string {
  return `[${JSON.stringify(name)}]`;
}

/** Registers `value` in `context` under a fresh name and returns the name. */
export function bind(context: Map<string, unknown>, prefix: string, value: unknown): string {
  const name = `${prefix}${context.size}`;
  context.set(name, value);
  return name;
}
