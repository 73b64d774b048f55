import { createHash } from "node:crypto";
import { createReadStream, rmSync } from "node:fs";
import { basename } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { UsageError } from "../errors";
import type { InputOptions } from "./input-options";
import { keepForRun, spoolStdin } from "./stdin-spool";

/**
 * An `--input` file, opened by the parent before the run starts: its checksum
 * (stored with the run: a resume must be given the same bytes), whether it is
 * gzipped, and its format. Standard input is first copied to a file in the app's
 * cache (stdin-spool.ts), because it is read twice (checksum, then records).
 */
export interface InputFile {
  /** How messages name it: the path as given, or "stdin". */
  name: string;
  /** The file read (for stdin, the temporary copy). */
  path: string;
  /** SHA-256 of the bytes as given (compressed, for a .gz). */
  checksum: string;
  gzip: boolean;
  format: "csv" | "jsonl";
  /** Standard input's copy: named after its run once the run is known (`path` follows). */
  keepFor?(script: string, runId: number): void;
  /** Removes stdin's copy. */
  dispose(): void;
}

export const STDIN = "-";

/** `path`: the resolved file, or "-" for standard input; `shownAs`: the path as the user gave it. */
export async function openInput(path: string, shownAs: string, declared: InputOptions = {}, cwd = process.cwd()): Promise<InputFile> {
  const stdin = path === STDIN;
  let file = path;
  let dispose = (): void => undefined;
  if (stdin) {
    if (process.stdin.isTTY) throw new UsageError("--input -: standard input is a terminal; pipe the file in (data-script <script> --input - < feed.csv)");
    file = await spoolStdin(cwd);
    dispose = () => rmSync(input?.path ?? file, { force: true });
  }
  let input: InputFile | undefined;
  try {
    const { checksum, head } = await hashFile(file).catch((error: Error) => {
      throw new UsageError(`--input ${stdin ? "- (standard input's copy)" : shownAs} cannot be read: ${error.message}`, { cause: error });
    });
    const gzip = head[0] === 0x1f && head[1] === 0x8b;
    const format = declared.format ?? formatFromName(stdin ? "" : shownAs) ?? (await sniffFormat(file, gzip));
    input = { name: stdin ? "stdin" : shownAs, path: file, checksum, gzip, format, dispose };
    if (stdin) input.keepFor = (script, runId) => (input!.path = keepForRun(input!.path, cwd, script, runId));
    return input;
  } catch (error) {
    dispose();
    throw error;
  }
}

async function hashFile(file: string): Promise<{ checksum: string; head: Buffer }> {
  const hash = createHash("sha256");
  let head = Buffer.alloc(0);
  await pipeline(
    createReadStream(file),
    new Transform({
      transform(chunk: Buffer, _, done) {
        if (head.length < 2) head = Buffer.concat([head, chunk.subarray(0, 2)]);
        hash.update(chunk);
        done();
      },
    }),
  );
  return { checksum: hash.digest("hex"), head };
}

function formatFromName(name: string): InputFile["format"] | undefined {
  const bare = basename(name).toLowerCase().replace(/\.gz$/, "");
  if (bare.endsWith(".csv")) return "csv";
  if (bare.endsWith(".jsonl") || bare.endsWith(".ndjson")) return "jsonl";
  return undefined;
}

// stdin, or a name that says nothing: JSON lines start with `{` or `[`, a CSV header does not.
async function sniffFormat(file: string, gzip: boolean): Promise<InputFile["format"]> {
  const stream = gzip ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = chunk.toString("utf8").replace(/^\uFEFF/, "").trimStart();
      if (text) return /^[[{]/.test(text) ? "jsonl" : "csv";
    }
    return "csv";
  } finally {
    stream.destroy();
  }
}
