// Copies the browser builds of our npm front-end libraries into static/vendor/, which whitenoise serves.
// A file that names a source map (`//# sourceMappingURL=…`) gets its map copied next to it: the
// manifest storage of `collectstatic` (DEBUG off) fails on a reference to a file that is not there.
// A map the package does not ship is stripped from the copy instead.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "static", "vendor");
mkdirSync(target, { recursive: true });
const files = {
  "chart.js/dist/chart.umd.js": "chart.umd.js",
  "chartjs-adapter-date-fns/dist/chartjs-adapter-date-fns.bundle.min.js": "chartjs-adapter-date-fns.bundle.min.js",
};
const SOURCE_MAP = /^[ \t]*\/\/[#@] sourceMappingURL=(\S+)[ \t]*$/gm;

let copied = 0;
for (const [source, name] of Object.entries(files)) {
  const sourcePath = join(root, "node_modules", source);
  let text = readFileSync(sourcePath, "utf8");
  for (const [line, reference] of [...text.matchAll(SOURCE_MAP)]) {
    const mapSource = join(dirname(sourcePath), reference);
    // Only plain sibling files are copied: no data: URLs, no paths leaving the package's folder.
    if (/^[\w.-]+\.map$/.test(reference) && existsSync(mapSource)) {
      copyFileSync(mapSource, join(target, reference));
      copied += 1;
    } else {
      text = text.replace(line, "");
    }
  }
  writeFileSync(join(target, name), text);
  copied += 1;
}
console.log(`copied ${copied} front-end files to static/vendor/`);
