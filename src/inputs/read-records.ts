import { parse } from "csv-parse";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { InputFile } from "./input-file";
import { duplicateKey } from "./duplicate-key";
import { lineLabel, type InputOptions, type InputRecord } from "./input-options";
import { decodeInput, EncodingError } from "./text-encoding";

/** A file that cannot be read as its format says (bad quoting, bad JSON, a truncated gzip): names the file and the line. */
export class InputError extends Error {
  override name = "InputError";
}

/**
 * The file's records, streamed: at most a few chunks of the file are in memory
 * at once, because nothing more is read while the run is busy with the last
 * records (for await pulls, the pool's queue pushes back).
 */
export function readRecords(file: InputFile, options: InputOptions = {}, onRead?: (bytes: number) => void): AsyncIterable<InputRecord> {
  return file.format === "csv" ? csvRecords(file, options, onRead) : jsonLines(file, options, onRead);
}

/**
 * The file's bytes as UTF-8: unzipped, then checked (or decoded from the declared encoding).
 * `onRead`: the file's bytes read so far (as stored: compressed, for a .gz), for progress.
 */
function open(file: InputFile, options: InputOptions, onRead?: (bytes: number) => void): Readable[] {
  const raw = createReadStream(file.path);
  if (onRead) {
    let bytes = 0;
    raw.on("data", (chunk) => onRead((bytes += chunk.length)));
  }
  return [raw, ...(file.gzip ? [createGunzip()] : []), decodeInput(file.name, options.encoding)];
}

async function* csvRecords(file: InputFile, options: InputOptions, onRead?: (bytes: number) => void): AsyncGenerator<InputRecord> {
  // Header row to objects; the BOM a spreadsheet writes is dropped; every cell stays text (types are the worker's).
  // A malformed record is reported, not thrown: a thrown stream error would drop the records parsed ahead of it,
  // and every record before the bad line must still be handed out (its chunk may be the last one saved).
  const parser = parse({
    bom: true,
    // Two columns of one name would keep only the last one's cells: refused, naming both.
    columns: (header: string[]) => refuseDuplicateColumns(file, header),
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    delimiter: options.delimiter ?? ",",
  });
  let malformed: (Error & { lines?: number }) | undefined;
  parser.on("skip", (error: Error & { lines?: number }) => (malformed ??= error));
  const flowing = pipeline([...open(file, options, onRead), parser] as never as [Readable, NodeJS.WritableStream]).catch(() => undefined);
  // csv-parse reports where a record ends; it starts after the previous one and any blank lines between.
  let previousEnd = 1;
  let previousEmpty = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: unknown; info: { lines: number; empty_lines: number } }>) {
      const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
      if (malformed && line > (malformed.lines ?? 0)) break;
      previousEnd = info.lines;
      previousEmpty = info.empty_lines;
      yield { line, value: record };
    }
  } catch (error) {
    throw inputError(file, error, (error as { lines?: number }).lines);
  } finally {
    parser.destroy();
    await flowing;
  }
  if (malformed) throw inputError(file, malformed, malformed.lines);
}

async function* jsonLines(file: InputFile, options: InputOptions, onRead?: (bytes: number) => void): AsyncGenerator<InputRecord> {
  const streams = open(file, options, onRead);
  const source = streams.reduce((from, to) => from.pipe(to as never) as Readable);
  for (const stream of streams.slice(0, -1)) stream.on("error", (error) => source.destroy(error));
  source.setEncoding("utf8");
  let line = 0;
  let rest = "";
  const parsed = (text: string): InputRecord | undefined => {
    line++;
    const trimmed = (line === 1 ? text.replace(/^\uFEFF/, "") : text).trim();
    if (!trimmed) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new InputError(`${lineLabel(file.name, line)}: not valid JSON (${(error as Error).message})`);
    }
    const twice = duplicateKey(trimmed, value);
    if (twice !== undefined) {
      throw new InputError(`${lineLabel(file.name, line)}: the key ${JSON.stringify(twice)} is given twice in one object; only one value could be kept, so neither is`);
    }
    return { line, value };
  };
  try {
    for await (const chunk of source as AsyncIterable<string>) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      for (const text of lines) {
        const record = parsed(text);
        if (record) yield record;
      }
    }
    const last = rest ? parsed(rest) : undefined;
    if (last) yield last;
  } catch (error) {
    throw error instanceof InputError ? error : inputError(file, error, undefined);
  } finally {
    for (const stream of streams) stream.destroy();
  }
}

function inputError(file: InputFile, error: unknown, line: number | undefined): InputError {
  // Already says where (a bad byte, a header named twice).
  if (error instanceof EncodingError || error instanceof InputError) return new InputError(error.message, { cause: error });
  // csv-parse says "… at line 3 …" itself; the prefix says it once, the same way for every format.
  const message = ((error as Error)?.message ?? String(error)).replace(/ (at|on) line \d+/, "");
  const where = line ? lineLabel(file.name, line) : file.name;
  return new InputError(`${where}: ${message}`, { cause: error });
}

function refuseDuplicateColumns(file: InputFile, header: string[]): string[] {
  const seen = new Map<string, number>();
  for (const [i, name] of header.entries()) {
    const first = seen.get(name);
    if (first !== undefined) {
      throw new InputError(
        `${lineLabel(file.name, 1)}: the header names the column ${JSON.stringify(name)} twice (columns ${first + 1} and ${i + 1}); ` +
          `one column's cells would be lost: rename one of them`,
      );
    }
    seen.set(name, i);
  }
  return header;
}
