import type { InputFile } from "./input-file";
import type { InputOptions } from "./input-options";
import { InputError, readRecords } from "./read-records";

/**
 * Reads an --input file up to its first record, before the run starts: a header that
 * names a column twice, a first line that is not UTF-8 or not JSON is refused before
 * anything is recorded, and a file with no record at all (empty, blank lines, a CSV
 * with only its header) is told apart from one with work in it.
 */
export async function peekInput(file: InputFile, options: InputOptions = {}): Promise<{ empty: boolean; error?: string }> {
  try {
    for await (const _record of readRecords(file, options)) return { empty: false };
    return { empty: true };
  } catch (error) {
    if (error instanceof InputError) return { empty: false, error: error.message };
    throw error;
  }
}
