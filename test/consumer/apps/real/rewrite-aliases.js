// The app's build turns its import aliases into relative paths in dist/, as `nest build`
// (or tsc-alias) does: Node does not read tsconfig paths or baseUrl.
const { readdirSync, readFileSync, writeFileSync } = require("node:fs");
const { dirname, join, relative } = require("node:path");

const root = join(__dirname, "dist");
const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
for (const file of walk(root).filter((f) => f.endsWith(".js"))) {
  const text = readFileSync(file, "utf8").replace(/require\("(@app\/|src\/)([^"]+)"\)/g, (_, prefix, rest) => {
    const target = join(root, "src", rest);
    const path = relative(dirname(file), target);
    return `require("${path.startsWith(".") ? path : "./" + path}")`;
  });
  writeFileSync(file, text);
}
