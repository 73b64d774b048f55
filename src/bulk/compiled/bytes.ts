/**
 * How TypeORM's change computer compares binary values: 1.x compares any two
 * Uint8Arrays byte by byte (typeorm/util/Uint8ArrayUtils), 0.3 two Buffers
 * (Buffer#equals). Whichever line is installed, its own rule.
 */
interface BytesRule {
  isBytes(value: unknown): boolean;
  equal(a: unknown, b: unknown): boolean;
}

function installedRule(): BytesRule {
  try {
    const utils = require("typeorm/util/Uint8ArrayUtils") as { isUint8Array(v: unknown): boolean; areUint8ArraysEqual(a: unknown, b: unknown): boolean };
    return { isBytes: utils.isUint8Array, equal: utils.areUint8ArraysEqual };
  } catch {
    return { isBytes: (v) => Buffer.isBuffer(v), equal: (a, b) => (a as Buffer).equals(b as Buffer) };
  }
}

const rule = installedRule();

/** Both values binary and equal byte for byte: what the computer treats as unchanged. */
export function sameBytes(a: unknown, b: unknown): boolean {
  return rule.isBytes(a) && rule.isBytes(b) && rule.equal(a, b);
}
