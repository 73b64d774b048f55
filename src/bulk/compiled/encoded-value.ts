import type { ColumnCodec } from "../column-codec";
import { bind } from "./compile-function";

/** The expression generated code uses for codec.encode(value): the value itself where encode passes it through. */
export function encodedExpr(context: Map<string, unknown>, codec: ColumnCodec, value: string): string {
  return codec.passThrough ? value : `${bind(context, "codec", codec)}.encode(${value})`;
}
