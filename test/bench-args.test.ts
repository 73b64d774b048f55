import { join } from "node:path";
import { parseArgs } from "../bench/args";
import { ROOT } from "./support/cli";

/** `npm run bench -- --out <file>`: where the results file goes. */
describe("npm run bench -- --out", () => {
  const initCwd = process.env.INIT_CWD;
  afterEach(() => {
    if (initCwd === undefined) delete process.env.INIT_CWD;
    else process.env.INIT_CWD = initCwd;
  });

  test("an absolute path is written where it says", () => {
    expect(parseArgs(["--out", "/tmp/x.md"]).out).toBe("/tmp/x.md");
  });

  test("a relative path is taken from where npm was run (INIT_CWD), not the package's folder", () => {
    process.env.INIT_CWD = "/home/someone/work";
    expect(parseArgs(["--out", "results/today.md"]).out).toBe("/home/someone/work/results/today.md");
  });

  test("by default, bench/results.md (bench/results-quick.md with --quick) of the repository", () => {
    expect(parseArgs([]).out).toBe(join(ROOT, "bench", "results.md"));
    expect(parseArgs(["--quick"]).out).toBe(join(ROOT, "bench", "results-quick.md"));
  });
});
