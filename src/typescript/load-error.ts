/**
 * What went wrong loading a user's file, for a person: swc's syntax error with its
 * code frame but without the compiler's own "Caused by" and native backtrace, or
 * a missing module without node's require stack.
 */
export function loadErrorMessage(error: unknown): string {
  const raw = (error as Error)?.message ?? String(error);
  const cut = raw.split(/\n\s*(?:Caused by:|Stack backtrace:|Require stack:)/)[0].replace(/\s+$/, "");
  const lines = cut.split("\n");
  const text = lines.length > 20 ? [...lines.slice(0, 20), "   ..."].join("\n") : cut;
  const syntax = /Caused by:\s*\n\s*Syntax Error/.test(raw) || (error as Error)?.name === "SyntaxError";
  return syntax ? `syntax error\n${text}` : text;
}
