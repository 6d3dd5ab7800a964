// Builds the site's assets into app/static/dist, so that every asset is served from the site itself:
// - the CSS, from NHS.UK frontend's Sass and ours;
// - one script, app/static/js/app.js bundled by esbuild with htmx and only the NHS.UK components it imports;
// - the NHS.UK images the CSS and pages use.
// The CSS and the script get content-hashed names (main.3f9a….css), listed in dist/manifest.json for the
// templates, so they can be cached for a year and change name when they change. Every text file also gets
// a Brotli (.br) and a gzip (.gz) copy, which the app's static file server sends to browsers that take them.
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "app", "static", "dist");
const nhsuk = join(root, "node_modules", "nhsuk-frontend", "dist", "nhsuk");

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

function hashed(name, contents) {
  const digest = createHash("sha256").update(contents).digest("hex").slice(0, 12);
  const dot = name.lastIndexOf(".");
  const file = `${name.slice(0, dot)}.${digest}${name.slice(dot)}`;
  writeFileSync(join(dist, file), contents);
  return `dist/${file}`;
}

const css = sass.compile(join(root, "app", "static", "scss", "main.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter()],
  quietDeps: true,
  silenceDeprecations: ["import"],
}).css;

const script = await esbuild.build({
  entryPoints: [join(root, "app", "static", "js", "app.js")],
  bundle: true,
  format: "esm",
  minify: true,
  target: ["es2020"],
  legalComments: "none",
  write: false,
});
const js = script.outputFiles[0].contents;

cpSync(join(nhsuk, "assets", "images"), join(dist, "images"), { recursive: true });

const manifest = { "main.css": hashed("main.css", css), "app.js": hashed("app.js", js) };
writeFileSync(join(dist, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

function* files(folder) {
  for (const entry of readdirSync(folder)) {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const compressible = /\.(css|js|svg|json|ico)$/;
for (const path of [...files(dist)]) {
  if (!compressible.test(path)) continue;
  const contents = readFileSync(path);
  writeFileSync(`${path}.gz`, gzipSync(contents, { level: 9 }));
  writeFileSync(
    `${path}.br`,
    brotliCompressSync(contents, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
}

for (const [name, file] of Object.entries(manifest)) {
  const path = join(dist, relative("dist", file));
  const size = statSync(path).size;
  const brotli = statSync(`${path}.br`).size;
  console.log(`built ${name} as ${file}: ${size} bytes, ${brotli} with Brotli`);
}
