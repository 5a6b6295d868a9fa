"""Run photo-shrink.js in Chromium on some files; print what each input ends up holding.

Run as a child process by test_photo_input.py: Playwright's sync API allows one instance
per thread, and the e2e suite's session-wide browser may already hold this process's.

    python -m tests.uploads.shrink_in_chromium < cases.json > results.json

Each case: {"path", "name", "mime", "probes": [[x, y], …]}. Each result: the file's name,
type, size, first bytes, decoded width/height (null when the browser cannot decode it)
and the RGBA of each probe point, read without applying any EXIF orientation.
"""

import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE_VIEWPORT

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "photo-shrink.js"

DESCRIBE = """async (probes) => {
    await window.ready;
    const file = document.querySelector("input").files[0];
    const head = Array.from(new Uint8Array(await file.slice(0, 3).arrayBuffer()));
    const result = { name: file.name, type: file.type, size: file.size, head,
                     width: null, height: null, pixels: [] };
    try {
        const bitmap = await createImageBitmap(file, { imageOrientation: "none" });
        [result.width, result.height] = [bitmap.width, bitmap.height];
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const context = canvas.getContext("2d");
        context.drawImage(bitmap, 0, 0);
        result.pixels = probes.map(([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data));
    } catch (error) { /* not an image the browser can decode */ }
    return result;
}"""

WAIT_FOR_READY = """() => { window.ready = new Promise((resolve) => document.addEventListener(
    "photo:ready", resolve, { once: true })); }"""


def run(cases: list[dict]) -> list[dict]:
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        for case in cases:
            # A fresh page each time, as a real navigation gives: one script, one listener.
            context = browser.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
            context.set_default_timeout(10_000)
            page = context.new_page()
            page.set_content('<form><input type="file" accept="image/*" data-shrink></form>')
            page.add_script_tag(path=str(SCRIPT))
            page.add_script_tag(path=str(SCRIPT))  # included twice on a page: still one listener
            page.evaluate(WAIT_FOR_READY)
            page.set_input_files(
                "input",
                files=[
                    {
                        "name": case["name"],
                        "mimeType": case["mime"],
                        "buffer": Path(case["path"]).read_bytes(),
                    }
                ],
            )
            results.append(page.evaluate(DESCRIBE, case.get("probes", [])))
            context.close()
        browser.close()
    return results


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
