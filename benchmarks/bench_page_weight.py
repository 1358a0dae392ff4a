"""Page weight in a real browser: a lesson page against a bare pydata-sphinx-theme page.

Builds the bare page in this run (the same Sphinx and theme as the site, one paragraph of text,
no extension of ours), serves it and the built site on 127.0.0.1, opens each in Chromium and
adds up the bytes of every response the page caused. A lesson's own figures (``_images/``) and
the HTML of its cell outputs are left out: the budget is for what every page carries. Prints
each page's bytes by kind and the ratio (issue 12's budget: at most 1.2).

Usage: python benchmarks/bench_page_weight.py [--site _build/html] [--lesson PATH ...]
Needs a built site (ose build) and Chromium (apt-get install chromium).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from ose.serve import make_server

LESSONS = [
    "curriculum/courses/bayes-intro/first-model.html",
    "curriculum/courses/case-studies/coal-mining-disasters.html",
]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
BARE_CONF = 'project = "Bare"\nhtml_theme = "pydata_sphinx_theme"\nextensions = ["myst_parser"]\n'
BARE_PAGE = "# A bare page\n\n" + "A paragraph of text on a bare pydata-sphinx-theme page. " * 20


def build_bare(folder: Path) -> Path:
    (folder / "conf.py").write_text(BARE_CONF, encoding="utf-8")
    (folder / "index.md").write_text(BARE_PAGE, encoding="utf-8")
    out = folder / "_build"
    command = [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(folder), str(out)]
    subprocess.run(command, check=True)
    return out


def kind(url: str) -> str:
    path = urlsplit(url).path
    for suffix, name in ((".js", "script"), (".css", "style"), (".html", "html")):
        if path.endswith(suffix):
            return name
    if "/_images/" in path:
        return "own figures"
    if path.endswith((".woff", ".woff2", ".ttf")):
        return "font"
    return "other"


def weigh(browser: object, url: str) -> tuple[Counter[str], int]:
    """Bytes per kind of everything ``url`` loaded (the browser's own resource timing, decoded
    sizes), and the bytes of its cell outputs' HTML."""
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(url, wait_until="networkidle")
    entries = page.evaluate(
        "performance.getEntriesByType('navigation').concat("
        "performance.getEntriesByType('resource')).map(e => [e.name, e.decodedBodySize])"
    )
    outputs = page.evaluate(
        "Array.from(document.querySelectorAll('.cell_output'))"
        ".reduce((total, cell) => total + new Blob([cell.outerHTML]).size, 0)"
    )
    page.close()
    sizes: Counter[str] = Counter()
    for name, size in entries:
        sizes[kind(name)] += int(size)
    return sizes, int(outputs)


def serve(directory: Path) -> tuple[str, object]:
    server = make_server(directory, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/", server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("_build/html"))
    parser.add_argument("--lesson", action="append", default=None)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None or not (args.site / "index.html").is_file():
        print("needs Chromium and a built site (ose build)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        bare_html = build_bare(Path(tmp))
        bare_base, bare_server = serve(bare_html)
        site_base, site_server = serve(args.site)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
            bare, _ = weigh(browser, bare_base + "index.html")
            bare_total = sum(bare.values())
            print(f"bare pydata-sphinx-theme page: {bare_total / 1024:.0f} KiB  {dict(bare)}")
            for lesson in args.lesson or LESSONS:
                sizes, outputs = weigh(browser, site_base + lesson)
                own = sizes.pop("own figures", 0) + outputs
                total = sum(sizes.values()) - outputs
                print(
                    f"{lesson}: {total / 1024:.0f} KiB without its own figures and outputs "
                    f"({own / 1024:.0f} KiB of those left out)  {dict(sizes)}"
                )
                print(f"  ratio to the bare page: {total / bare_total:.2f} (budget: 1.20)")
            browser.close()
        for server in (bare_server, site_server):
            server.shutdown()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
