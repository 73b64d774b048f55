/**
 * Makes swc's CommonJS exports behave like tsc's during a circular import.
 *
 * swc exports `X` through a live getter over the module's own binding
 * (`get X() { return X; }`), and writes a decorated class as `let X = class X {…}`.
 * Two entity files that import each other (`@ManyToOne(() => User) owner: User`
 * and `@OneToMany(() => Asset, …) assets: Asset[]`) with emitDecoratorMetadata
 * then fail: the second file's `design:type` (`typeof _user.User === "undefined"
 * ? Object : _user.User`) calls the getter while the first file is still
 * initialising, and reading a `let` before its declaration throws
 * `Cannot access 'User' before initialization`. tsc's CommonJS output assigns
 * `exports.X = void 0` first and `exports.X = X` after the class, so the same
 * read gives `undefined`, the metadata becomes `Object`, and the app's own build
 * loads. No swc option (1.16) changes this: the export getters are fixed, and
 * only an ES5 target turns the bindings into `var`, compiling everything else
 * down with them.
 *
 * So: each top-level `let`/`const`/class declaration of an exported name
 * becomes a `var`, which reads `undefined` before its statement runs, exactly as
 * tsc's `exports.X` does. Nothing else changes (same scope: the module's
 * function; swc never declares a name twice). `let`→`var` and `const`→`var  `
 * keep the text's length, so the inline source map stays exact; a class
 * declaration becomes `var X = class X {…};` (its first line shifts by the
 * inserted text). The edit is made at positions swc's parser gives and checked
 * against the text; anything unexpected leaves the code as swc wrote it.
 */
type Swc = typeof import("@swc/core");
type Node = { type?: string; span?: { start: number; end: number }; [key: string]: unknown };

export function exportsLikeTsc(swc: Swc, code: string): string {
  if (!/\bexports\b/.test(code)) return code;
  let program: { body: Node[]; span: { start: number } };
  try {
    program = swc.parseSync(code, { syntax: "ecmascript", target: "es2022" }) as never;
  } catch {
    return code;
  }
  const exported = exportedLocals(program.body);
  if (exported.size === 0) return code;

  // swc's spans are byte offsets from a base of its own: find the base from the first statement.
  const bytes = Buffer.from(code, "utf8");
  const first = program.body[0]?.span;
  if (!first) return code;
  const base = first.start - firstTokenOffset(bytes);

  const edits: { at: number; remove: number; insert: string }[] = [];
  for (const statement of program.body) {
    const start = statement.span!.start - base;
    if (statement.type === "VariableDeclaration" && (statement.kind === "let" || statement.kind === "const")) {
      const names = (statement.declarations as Node[]).flatMap((d) => boundNames(d.id as Node));
      if (!names.some((n) => exported.has(n))) continue;
      const kind = statement.kind as string;
      if (bytes.toString("utf8", start, start + kind.length) !== kind) return code;
      edits.push({ at: start, remove: kind.length, insert: kind === "let" ? "var" : "var  " });
    } else if (statement.type === "ClassDeclaration" && exported.has((statement.identifier as Node).value as string)) {
      const name = (statement.identifier as Node).value as string;
      if (bytes.toString("utf8", start, start + 6) !== "class ") return code;
      const end = statement.span!.end - base;
      if (bytes.toString("utf8", end - 1, end) !== "}") return code;
      edits.push({ at: start, remove: 0, insert: `var ${name} = ` }, { at: end, remove: 0, insert: ";" });
    }
  }
  if (edits.length === 0) return code;
  const parts: Buffer[] = [];
  let from = 0;
  for (const edit of edits) {
    parts.push(bytes.subarray(from, edit.at), Buffer.from(edit.insert));
    from = edit.at + edit.remove;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts).toString("utf8");
}

/** The local names swc's export statements return (`get X() { return Local; }`). */
function exportedLocals(body: Node[]): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown) => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as Node;
    if (n.type === "ReturnStatement" && (n.argument as Node)?.type === "Identifier") names.add((n.argument as Node).value as string);
    for (const key in n) if (key !== "span") visit(n[key]);
  };
  for (const statement of body) {
    if (statement.type !== "ExpressionStatement") continue;
    const call = statement.expression as Node;
    const args = call.type === "CallExpression" ? (call.arguments as { expression: Node }[]) : [];
    if (args[0]?.expression?.type === "Identifier" && args[0].expression.value === "exports") visit(args.slice(1));
  }
  return names;
}

function boundNames(pattern: Node | undefined): string[] {
  if (!pattern) return [];
  switch (pattern.type) {
    case "Identifier":
      return [pattern.value as string];
    case "ObjectPattern":
      return (pattern.properties as Node[]).flatMap((p) =>
        p.type === "AssignmentPatternProperty" ? [(p.key as Node).value as string] : boundNames((p.value ?? p.argument) as Node),
      );
    case "ArrayPattern":
      return (pattern.elements as (Node | null)[]).flatMap((e) => boundNames(e ?? undefined));
    case "AssignmentPattern":
      return boundNames(pattern.left as Node);
    case "RestElement":
      return boundNames(pattern.argument as Node);
    default:
      return [];
  }
}

/** Where the first token starts: after whitespace and comments (swc's output opens with `"use strict"`). */
function firstTokenOffset(bytes: Buffer): number {
  // latin1: one character per byte, so the match's length is a byte count.
  return /^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/.exec(bytes.toString("latin1"))![0].length;
}
