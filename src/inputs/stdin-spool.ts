import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "node:crypto";
import { cacheDir } from "../typescript/compile-cache";

/**
 * Standard input's copy (`--input -` is read twice: checksum, then records). It lives in the app's
 * cache (`node_modules/.cache/data-script/stdin`, or `DATA_SCRIPT_CACHE_DIR/stdin`; without either,
 * `.data-script/stdin` in the working directory), never in the system's temporary folder:
 * - while it is read: `spool-<pid>-<random>`, removed by the next spool once that process is gone;
 * - once the run is known: `<script>.run-<id>.input`, so a stopped run's copy can be found again
 *   (the summary names it); deleted when the run completes.
 * Files are created readable by their owner only: a piped feed may be private.
 */
export function stdinDir(cwd: string): string {
  return join(cacheDir(cwd) ?? join(cwd, ".data-script"), "stdin");
}

export async function spoolStdin(cwd: string): Promise<string> {
  const dir = stdinDir(cwd);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  removeOrphans(dir);
  const file = join(dir, `spool-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await pipeline(process.stdin, createWriteStream(file, { mode: 0o600 }));
  } catch (error) {
    rmSync(file, { force: true });
    throw error;
  }
  return file;
}

/** Where a run's copy is kept. */
export function runCopy(cwd: string, script: string, runId: number): string {
  return join(stdinDir(cwd), `${script}.run-${runId}.input`);
}

/** Names the spooled copy after its run (replacing an earlier copy of the same run: the checksum matched, the bytes are the same). */
export function keepForRun(file: string, cwd: string, script: string, runId: number): string {
  const kept = runCopy(cwd, script, runId);
  if (file !== kept) renameSync(file, kept);
  return kept;
}

/** The run completed: its kept copy, however the run was last given its input, goes. */
export function dropRunCopy(cwd: string, script: string, runId: number): void {
  rmSync(runCopy(cwd, script, runId), { force: true });
}

// A spool whose process is gone (killed while reading) belongs to no run.
function removeOrphans(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const pid = /^spool-(\d+)-/.exec(name)?.[1];
    if (pid && !alive(Number(pid))) rmSync(join(dir, name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
