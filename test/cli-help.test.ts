import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, runCli } from "./support/cli";

/** `<command> --help` lists that command's own options, and no other command's. */
describe("per-command help", () => {
  const help = async (args: string[]) => {
    const result = await runCli([...args, "--help"]);
    expect(result.code).toBe(0);
    return result.stdout;
  };
  /** The `--long` options a help text lists. */
  const optionsOf = (text: string) => [...text.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]).sort();

  const target = ["--data-source", "--scripts"];
  const database = [...target, "--embedded", "--namespace"];
  const runner = [...database, "--json", "--progress", "--workers", "--dry-run", "--restart", "--join", "--lease", "--pause-ms", "--lock-timeout", "--statement-timeout", "--chunk-timeout", "--max-replication-lag"];
  const scriptRun = [...runner, "--chunk-size", "--force", "--continue-on-error", "--undo", "--param", "--params-file", "--input", "--allow-empty"];
  const always = ["--help", "--verbose", "--version"];

  test.each<[string, string[]]>([
    ["run", [...scriptRun, "--pending"]],
    ["status", [...database, "--json"]],
    ["check", [...database, "--json"]],
    ["new", [...target, "--with-params", "--with-input"]],
    ["revert", [...runner, "--run"]],
    ["prune", [...database, "--json", "--older-than"]],
    ["ui", [...database, "--port", "--host", "--read-only"]],
  ])("`%s --help` lists exactly its own options", async (command, expected) => {
    expect(optionsOf(await help([command]))).toEqual([...expected, ...always].sort());
  });

  test("--version prints the installed package's version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    // From another folder: the package's own package.json, not the one where it is run.
    expect(await runCli(["--version"], { cwd: tmpdir() })).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  test("`new --help` does not offer --force, nor any run option", async () => {
    const text = await help(["new"]);
    expect(text).toMatch(/^data-script new <name>/);
    for (const option of ["--force", "--workers", "--json", "--dry-run", "--embedded"]) expect(text).not.toContain(option);
  });

  test("`revert --help` offers --run but none of a script run's own options", async () => {
    const text = await help(["revert"]);
    expect(text).toContain("--run ");
    for (const option of ["--force", "--chunk-size", "--continue-on-error", "--param", "--input", "--undo"]) expect(text).not.toContain(option);
  });

  test("`prune --help` shows its required --older-than in its usage line", async () => {
    const text = await help(["prune"]);
    expect(text).toMatch(/^data-script prune --older-than <d>/);
    expect(text).toMatch(/--older-than .*\[required\]/s);
  });

  test("the top-level help lists every command, prune with its --older-than, and points to each command's help", async () => {
    const text = await help([]);
    for (const command of ["run [script]", "status", "check", "revert <script>", "new <name>"]) expect(text).toContain(`data-script ${command}`);
    expect(text).toMatch(/data-script prune\s+--older-than <d>/);
    expect(text).toContain("data-script <command> --help");
  });

  test("an option of another command is refused with a usage error, --no-progress is taken by all", async () => {
    const refused = await runCli(["new", "x", "--force"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe("data-script: Unknown argument: force");
    const status = await runCli(["status", "--workers", "2"]);
    expect(status.code).toBe(2);
    expect(status.stderr.trim()).toBe("data-script: Unknown argument: workers");
    const noProgress = await runCli(["new", "--help", "--no-progress"]);
    expect(noProgress.code).toBe(0);
  });
});
