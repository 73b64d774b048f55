import { isUtf8 } from "node:buffer";
import { Transform } from "node:stream";
import { lineLabel } from "./input-options";

/** Bytes a file's declared encoding cannot decode: the message names the file and the line. */
export class EncodingError extends Error {
  override name = "InputError";
}

/**
 * An input file's bytes on their way to the parser. UTF-8 (the default) passes through unchanged
 * after a check: a byte sequence that is not UTF-8 stops the read naming its line, where a decoder
 * would have stored U+FFFD in its place without a word (a Latin-1 `José` as `Jos\uFFFD`). Any other
 * encoding the file declares (`input.encoding`, e.g. "latin1", "windows-1252") is decoded to UTF-8.
 */
export function decodeInput(file: string, encoding: string | undefined): Transform {
  const label = normalise(encoding);
  return label === "utf-8" ? utf8Checked(file) : decodedFrom(label);
}

/** A label TextDecoder knows, or a message saying what it takes. */
export function checkEncoding(encoding: string): string | undefined {
  try {
    new TextDecoder(encoding);
    return undefined;
  } catch {
    return `input.encoding "${encoding}" is not an encoding this runtime can decode (e.g. "utf-8", "latin1", "windows-1252", "utf-16le")`;
  }
}

function normalise(encoding: string | undefined): string {
  return encoding === undefined ? "utf-8" : new TextDecoder(encoding).encoding;
}

function utf8Checked(file: string): Transform {
  let carry: Buffer | undefined;
  let newlines = 0;
  const fail = (bytes: Buffer, at: number, why: string) => {
    const line = newlines + 1 + countNewlines(bytes, at);
    const hex = [...bytes.subarray(at, at + 4)].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, "0")}`).join(" ");
    return new EncodingError(
      `${lineLabel(file, line)}: not valid UTF-8 (${why}${hex ? ` ${hex}` : ""}); nothing past it is read. ` +
        `Save the file as UTF-8, or declare its encoding in the script: input = { encoding: "latin1" }`,
    );
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
      const end = completeEnd(bytes);
      const body = end === bytes.length ? bytes : bytes.subarray(0, end);
      if (!isUtf8(body)) return done(fail(body, firstInvalid(body), "bytes"));
      newlines += countNewlines(body, body.length);
      carry = end === bytes.length ? undefined : Buffer.from(bytes.subarray(end));
      done(null, chunk);
    },
    flush(done) {
      done(carry ? fail(carry, 0, "it ends inside a character:") : null);
    },
  });
}

function decodedFrom(encoding: string): Transform {
  const decoder = new TextDecoder(encoding);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, Buffer.from(decoder.decode(chunk, { stream: true }), "utf8"));
    },
    flush(done) {
      done(null, Buffer.from(decoder.decode(), "utf8"));
    },
  });
}

/** Where the last complete UTF-8 sequence ends: a character cut by the chunk's end waits for the next chunk. */
function completeEnd(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needs = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return needs > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/** The offset of the first byte that does not start (or continue) a valid sequence: only on the error path. */
function firstInvalid(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    let n = 1;
    const b = bytes[i];
    if (b >= 0xf0 && b <= 0xf4) n = 4;
    else if (b >= 0xe0) n = 3;
    else if (b >= 0xc2 && b < 0xe0) n = 2;
    else if (b >= 0x80) return i;
    if (!isUtf8(bytes.subarray(i, i + n))) return i;
    i += n;
  }
  return bytes.length;
}

function countNewlines(bytes: Buffer, end: number): number {
  let n = 0;
  for (let at = bytes.indexOf(10); at >= 0 && at < end; at = bytes.indexOf(10, at + 1)) n++;
  return n;
}
