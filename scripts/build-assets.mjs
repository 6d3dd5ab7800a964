// Builds the site's CSS from NHS.UK frontend's Sass and copies the vendor scripts and images
// the pages use into app/static/dist, so that every asset is served from the site itself.
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";
import { writeFileSync } from "node:fs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "app", "static", "dist");
const nhsuk = join(root, "node_modules", "nhsuk-frontend", "dist", "nhsuk");

mkdirSync(join(dist, "js"), { recursive: true });
const css = sass.compile(join(root, "app", "static", "scss", "main.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter()],
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(dist, "main.css"), css.css);
cpSync(join(nhsuk, "nhsuk-frontend.min.js"), join(dist, "js", "nhsuk-frontend.min.js"));
cpSync(join(root, "node_modules", "htmx.org", "dist", "htmx.min.js"), join(dist, "js", "htmx.min.js"));
cpSync(join(nhsuk, "assets", "images"), join(dist, "images"), { recursive: true });
console.log(`built ${css.css.length} bytes of CSS into ${dist}`);
