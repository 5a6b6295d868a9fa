// Builds the front-end files KhaiBao serves into static/vendor/, from npm packages and
// from the portal's own static/js and static/css. Plain node: `make assets` runs it after
// `npm ci`. static/vendor/ is not committed, so the files always match package-lock.json
// and the sources.
//
// 1. Copy the files served as they are (jsQR, the licences).
// 2. Minify the portal's own scripts and stylesheets with esbuild: static/js/x.js into
//    static/vendor/khaibao/js/x.js, static/css/y.css into static/vendor/khaibao/css/y.css,
//    each with a source map that points back at the file in static/. Templates link these
//    copies; two links to sources stay, for tests that read them (base.html's khaibao.css,
//    uploads/_photo_input.html's script).
// 3. Write bootstrap/bootstrap.purged.min.css: Bootstrap's CSS with only the rules whose
//    selectors name classes the portal uses, found by PurgeCSS in the templates, scripts
//    and forms. The whole file is 232 KB; a citizen page's first load, all its assets,
//    has a budget of 60 KB (tests/e2e/test_page_weight.py). The input is Bootstrap's
//    minified file and PurgeCSS only takes rules out, so the output is minified too.
// 4. Write a file of its own for each page in PAGE_BUNDLES (the F0 form): the same purge,
//    reading only what that page can show.
//
// No page uses Bootstrap's JavaScript (the header has no collapsing menu; there are no
// modals, dropdowns or tooltips), so it is not shipped. A page that comes to need a
// component's script should get that component's file here, loaded by that page only.
//
// The built files are as fresh as their last build: after changing a template, a script,
// a stylesheet or a form, run `node scripts/build_assets.mjs` again (`make` does it).
// `node scripts/build_assets.mjs --check` (run by tests/core/test_assets.py) fails when a
// file on disk is not what a build would write now.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";
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
// Every page that extends base.html loads this file unless it is in PAGE_BUNDLES.
const PURGED_CSS = "bootstrap.purged.min.css";

// Pages over the first-load budget with the file every page shares get one of their own,
// built from what they can show: the templates they reach through {% extends %} and
// {% include %}, the scripts those templates load, and (as for the shared file) crispy's
// templates, the Python code and the fragments no template includes by name. The page
// links it in {% block stylesheets %}; the build stops when another page links it, or a
// listed page includes a template through a variable. The F0 form: its document, three
// scripts and khaibao.css take 34 KB of the 60, the shared file is 38 KB, its own 26 KB.
// [file under static/vendor/bootstrap/, the page templates it is for]
const PAGE_BUNDLES = {
  "bootstrap.f0-form.min.css": ["declarations/declare.html", "declarations/resubmit.html"],
};

// The portal's own files, minified into static/vendor/khaibao/<kind>/ under their names.
const OWN_ASSETS = [
  ["static/js", ".js", "js"],
  ["static/css", ".css", "css"],
];
// The browsers Bootstrap 5.3 supports: esbuild writes no syntax they lack (`??`, #rrggbbaa
// colours) when it shortens the code, and stops on source code it cannot lower for them.
const BROWSERS = ["chrome60", "edge79", "firefox60", "ios12", "safari12"];

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
// {% extends "base.html" %}, {% include "x.html" with … %}; and one naming a variable.
const TEMPLATE_REFERENCE = /\{%\s*(?:extends|include)\s+(["'])([^"']+)\1/g;
const VARIABLE_REFERENCE = /\{%\s*(?:extends|include)\s+[^"'\s%]/;
// {% static 'vendor/khaibao/js/f0-draft.js' %} and the like.
const STATIC_REFERENCE = /\{%\s*static\s+(["'])([^"']+)\1/g;

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
let crispy = null;
function crispyDirectories() {
  if (crispy) {
    return crispy;
  }
  const python = process.env.KHAIBAO_PYTHON || join(root, ".venv", "bin", "python");
  const code =
    "import os, crispy_forms, crispy_bootstrap5\n" +
    "for m in (crispy_forms, crispy_bootstrap5): print(os.path.dirname(m.__file__))";
  try {
    crispy = execFileSync(python, ["-c", code], { encoding: "utf8" }).trim().split("\n");
    return crispy;
  } catch (error) {
    fail(`cannot ask ${python} where crispy-forms is (${error.message.trim()}); run make setup.`);
  }
}

// The text PurgeCSS reads, one string per place a class may be named: the given templates
// and scripts, crispy-bootstrap5's templates and the Python code.
function contentSources(markupFiles) {
  const read = (file) => readFileSync(file, "utf8");
  const [crispyForms, crispyBootstrap5] = crispyDirectories();
  const crispyTemplates = join(crispyBootstrap5, "templates", "bootstrap5");
  const markup = [
    ...markupFiles,
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

// -- what a page can show ---------------------------------------------------------------

const templatesDirectory = resolve(root, TEMPLATES[0]);
const templateName = (file) => slashPath(templatesDirectory, file);
const templateFile = (name) => join(templatesDirectory, ...name.split("/"));

function templateReferences(file) {
  return Array.from(readFileSync(file, "utf8").matchAll(TEMPLATE_REFERENCE), (m) => m[2]);
}

// The portal's templates a page is made of: itself, what it extends and includes, and so
// on. Templates of installed apps (admin, crispy) are not followed: crispy's are read for
// every file, the admin does not load Bootstrap.
function templateClosure(names) {
  const seen = new Set();
  const pending = [...names];
  while (pending.length) {
    const name = pending.pop();
    const file = templateFile(name);
    if (seen.has(name) || !existsSync(file)) {
      continue;
    }
    seen.add(name);
    pending.push(...templateReferences(file));
  }
  return [...seen].sort();
}

// Templates no template names in {% extends %} or {% include %}: a widget's template the
// Python code renders (core/_captcha_widget.html), a fragment a page includes through a
// variable. A page may show any of them.
function unreferencedFragments() {
  const files = filesUnder(...TEMPLATES);
  const referenced = new Set(files.flatMap(templateReferences));
  return files
    .filter((file) => !referenced.has(templateName(file)))
    .filter((file) => !/\{%\s*extends\s/.test(readFileSync(file, "utf8")));
}

// The names the templates give {% static %}: "vendor/khaibao/js/f0-draft.js".
function staticReferences(files) {
  return files.flatMap((file) =>
    Array.from(readFileSync(file, "utf8").matchAll(STATIC_REFERENCE), (m) => m[2]),
  );
}

// The sources (static/js/…) of the scripts the templates load.
function pageScripts(files) {
  const sources = new Map(ownAssets().map((asset) => [asset.url, asset.source]));
  return staticReferences(files)
    .filter((url) => url.endsWith(".js"))
    .map((url) => sources.get(url) || join(root, "static", url))
    .filter((file) => file.startsWith(resolve(root, SCRIPTS[0]) + sep));
}

// The templates and scripts a page file is built from. Stops the build when a page
// includes a template through a variable (the page's file would not know its classes).
function pageMarkup(pages) {
  const templates = templateClosure(pages).map(templateFile);
  const dynamic = templates.filter((file) => VARIABLE_REFERENCE.test(readFileSync(file, "utf8")));
  if (dynamic.length) {
    fail(
      "these templates of pages with a file of their own extend or include a template " +
        "named by a variable, whose classes the file cannot know:\n  " +
        dynamic.map((file) => relative(root, file)).join("\n  "),
    );
  }
  return [...new Set([...templates, ...unreferencedFragments(), ...pageScripts(templates)])];
}

// A page that links a page file is one of that file's pages: the file holds the rules of
// its pages' templates only. Pages that extend a listed page would load it too.
function checkPageBundles() {
  const problems = [];
  for (const file of filesUnder(...TEMPLATES)) {
    const name = templateName(file);
    const closure = templateClosure([name]).map(templateFile);
    for (const url of staticReferences(closure)) {
      const pages = url.startsWith("vendor/bootstrap/") && PAGE_BUNDLES[url.split("/").pop()];
      if (pages && !pages.includes(name) && isPage(name)) {
        problems.push(`${relative(root, file)} loads ${url}, built for ${pages.join(", ")}`);
      }
    }
  }
  for (const [bundle, pages] of Object.entries(PAGE_BUNDLES)) {
    for (const page of pages) {
      const url = `vendor/bootstrap/${bundle}`;
      if (!existsSync(templateFile(page))) {
        problems.push(`${page} (listed for ${bundle}) does not exist`);
      } else if (!staticReferences([templateFile(page)]).includes(url)) {
        problems.push(`${page} is listed for ${bundle} but does not link it`);
      }
    }
  }
  if (problems.length) {
    fail(`PAGE_BUNDLES in scripts/build_assets.mjs is out of step:\n  ${problems.join("\n  ")}`);
  }
}

// A template that ends up in base.html: a page, not a fragment.
function isPage(name) {
  const extended = (file) => {
    const match = readFileSync(file, "utf8").match(/\{%\s*extends\s+(["'])([^"']+)\1/);
    return match ? match[2] : null;
  };
  for (let current = name, depth = 0; current && depth < 20; depth += 1) {
    if (current === "base.html") {
      return true;
    }
    const file = templateFile(current);
    current = existsSync(file) ? extended(file) : null;
  }
  return false;
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

// The classes built from a value (BUILT_CLASSES) that the given templates build.
function safelistFor(files) {
  const prefixes = new Set(
    files.flatMap((file) =>
      Array.from(readFileSync(file, "utf8").matchAll(BUILT_CLASS), (match) => match[1]),
    ),
  );
  return SAFELIST.filter((name) => prefixes.has(name.slice(0, name.lastIndexOf("-"))));
}

async function purgedBootstrap(css, markupFiles) {
  const [result] = await new PurgeCSS().purge({
    content: contentSources(markupFiles).map((text) => ({ raw: text, extension: "txt" })),
    defaultExtractor: (text) => text.match(WORDS) || [],
    css: [{ raw: css }],
    safelist: { standard: safelistFor(markupFiles), variables: variablesUsed() },
    variables: true,
    keyframes: true,
    fontFace: true,
  });
  // PurgeCSS (postcss) drops the sourceMappingURL comment: the map was of the whole file.
  return result.css;
}

// -- the portal's own scripts and stylesheets ------------------------------------------

// [{source, url, target}] for every file under static/js and static/css.
function ownAssets() {
  return OWN_ASSETS.flatMap(([directory, extension, kind]) =>
    filesUnder(directory, extension).map((source) => {
      const url = `vendor/khaibao/${kind}/${slashPath(resolve(root, directory), source)}`;
      return { source, url, target: join(vendor, ...url.split("/").slice(1)) };
    }),
  );
}

// The minified file and its map: the map names the source relative to itself, so a
// browser's developer tools find it under /static/, and carries its text as well.
async function minified({ source, target }) {
  const loader = source.endsWith(".css") ? "css" : "js";
  const result = await transform(readFileSync(source, "utf8"), {
    loader,
    minify: true,
    target: BROWSERS,
    sourcemap: "external",
    sourcefile: slashPath(dirname(target), source),
    logLevel: "silent",
  }).catch((error) => fail(`${relative(root, source)}: ${error.message}`));
  const mapName = `${target.split(sep).pop()}.map`;
  const comment =
    loader === "css" ? `/*# sourceMappingURL=${mapName} */` : `//# sourceMappingURL=${mapName}`;
  return [
    [target, `${result.code}${comment}\n`],
    [`${target}.map`, result.map],
  ];
}

// -- the build --------------------------------------------------------------------------

// [path, contents] of every file the build writes.
async function outputs() {
  const files = [];
  for (const [pkg, names] of Object.entries(FILES)) {
    for (const name of names) {
      const source = join(modules, pkg, name);
      if (!existsSync(source)) {
        fail(`${source} is missing; run \`npm ci\` first.`);
      }
      files.push([join(vendor, pkg, name.split("/").pop()), readFileSync(source)]);
    }
  }
  for (const asset of ownAssets()) {
    files.push(...(await minified(asset)));
  }
  if (!existsSync(BOOTSTRAP_CSS)) {
    fail(`${BOOTSTRAP_CSS} is missing; run \`npm ci\` first.`);
  }
  const bootstrap = readFileSync(BOOTSTRAP_CSS, "utf8");
  checkBuiltClasses(bootstrap);
  checkPageBundles();
  const everything = [...filesUnder(...TEMPLATES), ...filesUnder(...SCRIPTS)];
  files.push([join(vendor, "bootstrap", PURGED_CSS), await purgedBootstrap(bootstrap, everything)]);
  for (const [bundle, pages] of Object.entries(PAGE_BUNDLES)) {
    files.push([join(vendor, "bootstrap", bundle), await purgedBootstrap(bootstrap, pageMarkup(pages))]);
  }
  return files;
}

const sameBytes = (path, contents) =>
  existsSync(path) && readFileSync(path).equals(Buffer.from(contents));

const built = await outputs();
if (check) {
  const stale = built.filter(([path, contents]) => !sameBytes(path, contents));
  if (stale.length) {
    fail(
      "out of date with the templates, scripts, stylesheets and forms (run " +
        `\`node scripts/build_assets.mjs\`):\n  ${stale.map(([path]) => relative(root, path)).join("\n  ")}`,
    );
  }
  console.log(`build_assets: the ${built.length} files in static/vendor/ are up to date`);
} else {
  // Start clean so a file dropped from the build does not linger from an older one.
  for (const directory of [...Object.keys(FILES), "khaibao"]) {
    rmSync(join(vendor, directory), { recursive: true, force: true });
  }
  for (const [path, contents] of built) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, contents);
  }
  const size = (path) => readFileSync(path).length.toLocaleString("en");
  const bundles = [PURGED_CSS, ...Object.keys(PAGE_BUNDLES)]
    .map((name) => `${name} ${size(join(vendor, "bootstrap", name))}`)
    .join(", ");
  console.log(
    `build_assets: wrote ${built.length} files into static/vendor/; bootstrap.min.css ` +
      `${size(BOOTSTRAP_CSS)} bytes → ${bundles} bytes`,
  );
}
