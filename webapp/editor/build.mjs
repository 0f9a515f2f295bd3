// Build the editor bundle: `make editor` (or `node webapp/editor/build.mjs`).
//
// Writes webapp/static/vendor/editor.js (one minified file, no CDN) and editor.LICENSES.txt
// (name, version and licence text of every npm package inside the bundle). Both are committed,
// so installing Dobro — from git or from a wheel — never needs Node.js; the test
// tests/test_editor_bundle.py rebuilds them in CI and fails if they differ from these sources.
import { readFileSync, writeFileSync, mkdirSync, existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const outDir = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, "webapp", "static", "vendor");
mkdirSync(outDir, { recursive: true });

const result = await esbuild.build({
  entryPoints: [path.join(here, "editor.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none",
  charset: "utf8",
  metafile: true,
  write: false,
  absWorkingDir: root,
  plugins: [{
    name: "no-html",
    setup(build) {
      build.onResolve({ filter: /^@codemirror\/lang-html$/ }, () => ({ path: path.join(here, "no-html.js") }));
    }
  }]
});
const banner = "/* Dobro's source editor: CodeMirror 6 (MIT), bundled from webapp/editor/editor.js. " +
  "Licences: editor.LICENSES.txt */\n";
writeFileSync(path.join(outDir, "editor.js"), banner + result.outputFiles[0].text);

// The packages whose code is in the bundle, with their licences.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) {
    packages.add(match[1]);
  }
}
const sections = [...packages].sort().map((name) => {
  const dir = path.join(root, "node_modules", name);
  const meta = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  const text = file && existsSync(path.join(dir, file)) ? readFileSync(path.join(dir, file), "utf8").trim()
    : "License: " + meta.license;
  return `${name} ${meta.version} (${meta.license})\n${"-".repeat(60)}\n${text}\n`;
});
writeFileSync(path.join(outDir, "editor.LICENSES.txt"),
  "The source editor (editor.js) bundles these packages from the npm registry.\n\n" + sections.join("\n"));
console.log(`editor.js: ${result.outputFiles[0].contents.length} bytes, ${packages.size} packages`);
