import { openInput, type InputFile } from "../inputs/input-file";
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
  return { ...loaded, params, input: await openInput(settings.input.path, settings.input.shownAs, declared, settings.cwd) };
}
