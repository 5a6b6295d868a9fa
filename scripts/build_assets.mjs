// Builds the front-end files KhaiBao serves from npm packages into static/vendor/.
// Plain node, no bundler: `make assets` runs it after `npm ci`. static/vendor/ is not
// committed, so the files always match package-lock.json.
//
// 1. Copy the files served as they are (jsQR, the licences).
// 2. Write bootstrap/bootstrap.purged.min.css: Bootstrap's CSS with only the rules whose
//    selectors name classes the portal uses, found by PurgeCSS in the templates, scripts
//    and forms. The whole file is 232 KB; a citizen page's first load, all its assets,
//    has a budget of 60 KB (tests/e2e/test_page_weight.py). The input is Bootstrap's
//    minified file and PurgeCSS only takes rules out, so the output is minified too.
//
// No page uses Bootstrap's JavaScript (the header has no collapsing menu; there are no
// modals, dropdowns or tooltips), so it is not shipped. A page that comes to need a
// component's script should get that component's file here, loaded by that page only.
//
// The purged file is as fresh as its last build: after adding a Bootstrap class to a
// template, a script or a form, run `node scripts/build_assets.mjs` again.
// `node scripts/build_assets.mjs --check` (run by tests/core/test_assets.py) fails when
// the file on disk is not what a build would write now.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { PurgeCSS } from "purgecss";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "static", "vendor");
const check = process.argv.includes("--check");

// [package-relative source, file name under static/vendor/<package>/]
const FILES = {
  bootstrap: ["LICENSE"],
  // The checkpoint officer page's camera mode: decodes QR codes from video frames.
  jsqr: ["dist/jsQR.js", "LICENSE"],
};

const BOOTSTRAP_CSS = join(modules, "bootstrap", "dist", "css", "bootstrap.min.css");
const PURGED_CSS = join(vendor, "bootstrap", "bootstrap.purged.min.css");

// -- where the portal names classes -----------------------------------------------------

// Every template, Django admin ones included: they do not load Bootstrap, but leaving
// them out would need a rule for which template is whose, to save a few rules.
const TEMPLATES = ["templates", ".html"];
// Classes the scripts set (classList.add("is-invalid"), className = "alert …").
const SCRIPTS = ["static/js", ".js"];
// Classes set in Python: widget attrs, crispy css_class, the styles templates put after
// a prefix. Only string literals are read (see pythonStrings).
const PYTHON_PACKAGES = ["khaibao", "declarations", "checkpoints", "vaccination"];
// The portal's own stylesheets: read for the Bootstrap variables they use (below).
const OWN_CSS = ["static/css", ".css"];

// crispy-forms renders fields from crispy-bootstrap5's templates (form-control,
// form-select, is-invalid…) and sets some classes in Python (Submit: "btn btn-primary").
// The templates of layout objects no form of the portal uses are left out: they name
// accordion, modal, tab, input-group and floating-label classes whose rules would be
// kept for nothing. Take a name off this list when a form starts using that object.
const CRISPY_UNUSED_TEMPLATES = new Set([
  "accordion.html",
  "accordion-group.html",
  "betterform.html",
  "errors_formset.html",
  "multifield.html",
  "table_inline_formset.html",
  "uni_formset.html",
  "whole_uni_formset.html",
  "layout/alert.html",
  "layout/button.html",
  "layout/buttonholder.html",
  "layout/checkboxselectmultiple_inline.html",
  "layout/column.html",
  "layout/field_with_buttons.html",
  "layout/floating_field.html",
  "layout/formactions.html",
  "layout/inline_field.html",
  "layout/modal.html",
  "layout/multifield.html",
  "layout/prepended_appended_text.html",
  "layout/radioselect_inline.html",
  "layout/row.html",
  "layout/switch.html",
  "layout/tab-link.html",
  "layout/tab.html",
  "layout/uneditable_input.html",
]);
// The same for the Python modules that define those layout objects (Accordion, Modal,
// Tab, InlineRadios, FloatingField…).
const CRISPY_UNUSED_MODULES = new Set([
  "crispy_forms/bootstrap.py",
  "crispy_bootstrap5/bootstrap5.py",
]);

// Classes no source names whole: templates build them from a prefix and a value.
// base.html: "alert-{{ message.level_tag }}" (Django's message levels; debug and error
// are written out). The verify page and the officer's answer: "alert-", "border-",
// "text-bg-{{ …style }}", the values of khaibao/trust/display.py's STATUS_STYLE.
// checkBuiltClasses() stops the build when a template builds a Bootstrap class from a
// prefix not listed here.
const STATUS_STYLES = ["success", "warning", "danger", "secondary"];
const BUILT_CLASSES = {
  alert: ["info", ...STATUS_STYLES],
  border: STATUS_STYLES,
  "text-bg": STATUS_STYLES,
};
const BUILT_PREFIXES = Object.keys(BUILT_CLASSES);
const SAFELIST = Object.entries(BUILT_CLASSES).flatMap(([prefix, values]) =>
  values.map((value) => `${prefix}-${value}`),
);

// The words PurgeCSS's default extractor finds, for every kind of file.
const WORDS = /[A-Za-z0-9_-]+/g;
// A quoted string on one line; a triple-quoted one is read as quoted pieces.
const PYTHON_STRING = /(["'])((?:\\.|(?!\1).)*)\1/g;
const VARIABLE = /--bs-[A-Za-z0-9-]+/g;
// "btn-{{ style }}", "alert-{% if … %}": a class made of a prefix and a template value.
const BUILT_CLASS = /([A-Za-z0-9_-]+)-\{[{%]/g;

function fail(message) {
  console.error(`build_assets: ${message}`);
  process.exit(1);
}

function filesUnder(directory, extension) {
  const base = resolve(root, directory);
  return readdirSync(base, { recursive: true })
    .filter((name) => name.endsWith(extension))
    .sort()
    .map((name) => join(base, name));
}

// "crispy_forms/bootstrap.py" for a file under site-packages, on any OS.
function slashPath(from, file) {
  return relative(from, file).split(sep).join("/");
}

function pythonStrings(source) {
  return Array.from(source.matchAll(PYTHON_STRING), (match) => match[2]).join(" ");
}

// Where pip installed crispy-forms and crispy-bootstrap5, asked of the project's Python
// (.venv's, or $KHAIBAO_PYTHON): without it the build stops here rather than drop the
// form classes.
function crispyDirectories() {
  const python = process.env.KHAIBAO_PYTHON || join(root, ".venv", "bin", "python");
  const code =
    "import os, crispy_forms, crispy_bootstrap5\n" +
    "for m in (crispy_forms, crispy_bootstrap5): print(os.path.dirname(m.__file__))";
  try {
    return execFileSync(python, ["-c", code], { encoding: "utf8" }).trim().split("\n");
  } catch (error) {
    fail(`cannot ask ${python} where crispy-forms is (${error.message.trim()}); run make setup.`);
  }
}

// The text PurgeCSS reads, one string per place a class may be named.
function contentSources() {
  const read = (file) => readFileSync(file, "utf8");
  const [crispyForms, crispyBootstrap5] = crispyDirectories();
  const crispyTemplates = join(crispyBootstrap5, "templates", "bootstrap5");
  const markup = [
    ...filesUnder(...TEMPLATES),
    ...filesUnder(...SCRIPTS),
    ...filesUnder(crispyTemplates, ".html").filter(
      (file) => !CRISPY_UNUSED_TEMPLATES.has(slashPath(crispyTemplates, file)),
    ),
  ];
  const sitePackages = dirname(crispyForms);
  const python = [
    ...PYTHON_PACKAGES.flatMap((pkg) => filesUnder(pkg, ".py")),
    ...[crispyForms, crispyBootstrap5]
      .flatMap((directory) => filesUnder(directory, ".py"))
      .filter((file) => !CRISPY_UNUSED_MODULES.has(slashPath(sitePackages, file))),
  ].filter((file) => !file.split(sep).includes("migrations"));
  return [...markup.map(read), ...python.map((file) => pythonStrings(read(file)))];
}

// Bootstrap variables the portal's own CSS, templates and scripts read or set
// (khaibao.css: var(--bs-border-radius-pill)): PurgeCSS drops a variable no kept
// Bootstrap rule uses, which would leave those reading nothing.
function variablesUsed() {
  const names = new Set();
  const files = [...filesUnder(...OWN_CSS), ...filesUnder(...TEMPLATES), ...filesUnder(...SCRIPTS)];
  for (const file of files) {
    for (const name of readFileSync(file, "utf8").match(VARIABLE) || []) {
      names.add(name);
    }
  }
  return [...names].sort();
}

// A template that builds a Bootstrap class from a prefix not in BUILT_PREFIXES would get
// no CSS for it, silently: stop the build instead.
function checkBuiltClasses(bootstrapCss) {
  const classes = Array.from(bootstrapCss.matchAll(/\.([A-Za-z][A-Za-z0-9_-]*)/g), (m) => m[1]);
  const isBootstrapPrefix = (prefix) => classes.some((name) => name.startsWith(`${prefix}-`));
  const problems = [];
  for (const file of filesUnder(...TEMPLATES)) {
    for (const match of readFileSync(file, "utf8").matchAll(BUILT_CLASS)) {
      const prefix = match[1];
      if (!BUILT_PREFIXES.includes(prefix) && isBootstrapPrefix(prefix)) {
        problems.push(`${relative(root, file)}: "${prefix}-{…"`);
      }
    }
  }
  if (problems.length) {
    fail(
      "these templates build Bootstrap classes from a value; add the prefix and its values " +
        `to BUILT_CLASSES in scripts/build_assets.mjs:\n  ${problems.join("\n  ")}`,
    );
  }
}

async function purgedBootstrap() {
  const css = readFileSync(BOOTSTRAP_CSS, "utf8");
  checkBuiltClasses(css);
  const [result] = await new PurgeCSS().purge({
    content: contentSources().map((text) => ({ raw: text, extension: "txt" })),
    defaultExtractor: (text) => text.match(WORDS) || [],
    css: [{ raw: css }],
    safelist: { standard: SAFELIST, variables: variablesUsed() },
    variables: true,
    keyframes: true,
    fontFace: true,
  });
  // PurgeCSS (postcss) drops the sourceMappingURL comment: the map was of the whole file.
  return result.css;
}

// -- the build --------------------------------------------------------------------------

function copyFiles() {
  let copied = 0;
  for (const [pkg, files] of Object.entries(FILES)) {
    const target = join(vendor, pkg);
    // Start clean so a file dropped from the list does not linger from an older build.
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    for (const file of files) {
      const source = join(modules, pkg, file);
      if (!existsSync(source)) {
        fail(`${source} is missing; run \`npm ci\` first.`);
      }
      copyFileSync(source, join(target, file.split("/").pop()));
      copied += 1;
    }
  }
  return copied;
}

if (!existsSync(BOOTSTRAP_CSS)) {
  fail(`${BOOTSTRAP_CSS} is missing; run \`npm ci\` first.`);
}
const purged = await purgedBootstrap();
if (check) {
  const built = existsSync(PURGED_CSS) ? readFileSync(PURGED_CSS, "utf8") : "";
  if (built !== purged) {
    fail(
      `${relative(root, PURGED_CSS)} is out of date with the templates, scripts and forms; ` +
        "run `node scripts/build_assets.mjs`.",
    );
  }
  console.log(`build_assets: ${relative(root, PURGED_CSS)} is up to date`);
} else {
  const copied = copyFiles();
  writeFileSync(PURGED_CSS, purged);
  const size = (path) => readFileSync(path).length.toLocaleString("en");
  console.log(
    `build_assets: copied ${copied} files into static/vendor/; bootstrap.min.css ` +
      `${size(BOOTSTRAP_CSS)} bytes → bootstrap.purged.min.css ${size(PURGED_CSS)} bytes`,
  );
}
