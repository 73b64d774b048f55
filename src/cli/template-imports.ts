import { dirname } from "node:path";

/**
 * What a template `data-script new` just wrote imports that its app cannot resolve
 * (`--with-params` writes a zod schema; the package depends on no validator), so `new`
 * can say what to install.
 */
export function unresolvedTemplateImports(file: string, withParams: boolean): string[] {
  if (!withParams) return [];
  try {
    require.resolve("zod", { paths: [dirname(file)] });
    return [];
  } catch {
    return ["zod"];
  }
}
