// Copies the front-end files KhaiBao serves from npm packages into static/vendor/.
// Plain node, no bundler: `make assets` runs it after `npm ci`. static/vendor/ is not
// committed, so the copies always match package-lock.json.
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "static", "vendor");

// [package-relative source, file name under static/vendor/<package>/]
const FILES = {
  bootstrap: [
    "dist/css/bootstrap.min.css",
    "dist/css/bootstrap.min.css.map",
    "dist/js/bootstrap.bundle.min.js",
    "dist/js/bootstrap.bundle.min.js.map",
    "LICENSE",
  ],
  // The checkpoint officer page's camera mode: decodes QR codes from video frames.
  jsqr: ["dist/jsQR.js", "LICENSE"],
};

let copied = 0;
for (const [pkg, files] of Object.entries(FILES)) {
  const target = join(vendor, pkg);
  // Start clean so a file dropped from the list does not linger from an older build.
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const file of files) {
    const source = join(modules, pkg, file);
    if (!existsSync(source)) {
      console.error(`build_assets: ${source} is missing; run \`npm ci\` first.`);
      process.exit(1);
    }
    // Flat layout: the .map files sit next to the files whose sourceMappingURL names them.
    copyFileSync(source, join(target, file.split("/").pop()));
    copied += 1;
  }
}
console.log(`build_assets: copied ${copied} files into static/vendor/`);
