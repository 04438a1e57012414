// Copies the browser builds of our npm front-end libraries into static/vendor/, which whitenoise serves.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "static", "vendor");
mkdirSync(target, { recursive: true });
const files = {
  "chart.js/dist/chart.umd.js": "chart.umd.js",
  "chartjs-adapter-date-fns/dist/chartjs-adapter-date-fns.bundle.min.js": "chartjs-adapter-date-fns.bundle.min.js",
};
for (const [source, name] of Object.entries(files)) {
  copyFileSync(join(root, "node_modules", source), join(target, name));
}
console.log(`copied ${Object.keys(files).length} front-end files to static/vendor/`);
