import { openInput, type InputFile } from "../inputs/input-file";
import { peekInput } from "../inputs/peek-input";
import { checkEncoding } from "../inputs/text-encoding";
import { UsageError } from "../errors";
import type { DataScript } from "../script/data-script";
import type { LoadedScript } from "../script/load-script";
import { validateParams, type ValidatedParams } from "../script/params";
import type { RunSettings } from "../settings/settings";

/** A loaded script with what its run is given: validated parameters and its opened input file. */
export interface PreparedRun extends LoadedScript {
  params: ValidatedParams;
  input?: InputFile;
}

/**
 * In the parent, right after the script loads and before anything connects or
 * forks: its parameters are validated (a bad one is a usage error, exit 2) and
 * its --input file is checked, checksummed (stdin: copied first) and its format
 * chosen. `shared`: `run --pending`, where every script gets the same parameters.
 */
export async function prepareRun(settings: RunSettings, loaded: LoadedScript, shared = false): Promise<PreparedRun> {
  const { params: schema, secretParams } = loaded.script.constructor as typeof DataScript;
  const params = await validateParams(loaded.name, schema, settings.params, { allowUnknown: shared, secretParams });
  const declared = loaded.script.input;
  if (!settings.input) {
    if (declared === undefined) return { ...loaded, params };
    throw new UsageError(
      `script ${loaded.name} reads its inputs from a file: ` +
        (shared ? `run it by name, data-script ${loaded.name} --input <file>` : `pass --input <file> (CSV or JSON lines, optionally gzipped; - for standard input)`),
    );
  }
  if (declared === undefined) {
    throw new UsageError(`--input is for scripts that declare \`input\` (the file's format); ${loaded.name} does not`);
  }
  const encodingProblem = declared.encoding === undefined ? undefined : checkEncoding(declared.encoding);
  if (encodingProblem) throw new UsageError(`script ${loaded.name}: ${encodingProblem}`);
  const input = await openInput(settings.input.path, settings.input.shownAs, declared, settings.cwd);
  try {
    await refuseUnreadable(settings, loaded.name, input, declared);
  } catch (error) {
    input.dispose();
    throw error;
  }
  return { ...loaded, params, input };
}

/**
 * The file's start is read before anything is recorded: what cannot be read there is a usage
 * error (exit 2, no run). A file with no record is refused too, unless --allow-empty: run on it,
 * the script would count as done having done nothing (a feed cut off, the wrong file, stdin not piped).
 */
async function refuseUnreadable(settings: RunSettings, name: string, input: InputFile, declared: DataScript["input"]): Promise<void> {
  const peeked = await peekInput(input, declared);
  if (peeked.error) throw new UsageError(`${peeked.error}; nothing was run`);
  if (peeked.empty && !settings.allowEmpty) {
    throw new UsageError(
      `--input ${input.name} holds no records (an empty file, blank lines, or a CSV header alone): nothing was run and ${name} stays pending. ` +
        `If an empty feed is right, pass --allow-empty to record the run as completed with no rows`,
    );
  }
}
