"""Whole builds of small fixture sites with the real conf.py, real kernels and real Sphinx."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from conftest import BuiltSite, build_site, make_fixture_site, run_cli

pytestmark = pytest.mark.site

KERNEL_PROBE = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: {kernel}
  display_name: {kernel}
  language: python
# the probe prints where the kernel compiles: a path of the build machine, on purpose
taught-output: [COMPILEDIR]
---

# Kernel probe {kernel}

```{{code-cell}} ipython3
import os
import pytensor

print("MODE", pytensor.config.mode)
print("COMPILEDIR", pytensor.config.base_compiledir)
print("JAXCACHE", os.environ.get("JAX_COMPILATION_CACHE_DIR"))
if pytensor.config.mode == "JAX":
    import jax

    print("DEVICES", jax.devices())
```
"""

PROBES = {
    "lessons/probe-cpu.md": KERNEL_PROBE.format(kernel="pymc-cpu"),
    "lessons/probe-jax.md": KERNEL_PROBE.format(kernel="pymc-jax"),
    "lessons/index.md": "# Lessons\n\n```{toctree}\ntable-and-figure\nprobe-cpu\nprobe-jax\n```\n",
    "uv.lock": "version = 1\n",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    root = make_fixture_site(tmp_path_factory.mktemp("built") / "site", PROBES)
    built = build_site(root)
    assert built.status == 0, built.out + built.err
    return built


class Links(HTMLParser):
    """Every href/src of a page, with the tag it sits on."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append((tag, name, value))


def links_of(page: Path) -> list[tuple[str, str, str]]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def test_the_build_reports_what_it_executed(site):
    assert "executed 3 of 3 lessons (0 from cache)" in site.out
    assert re.search(r"^\s+\d+\.\d s  lessons/table-and-figure\.md$", site.out, re.M)
    assert f"site: {site.html / 'index.html'}" in site.out


def test_executed_outputs_are_on_the_page(site):
    page = site.page("lessons/table-and-figure.html")
    assert "FIXTURE-PRINTED-LINE" in page  # printed output
    assert re.search(r"<table[^>]*class=\"dataframe", page)  # the DataFrame as a table
    assert re.search(r'<img[^>]+src="\.\./_images/[^"]+\.png"', page)  # the matplotlib figure
    for image in re.findall(r'<img[^>]+src="\.\./(_images/[^"]+)"', page):
        assert (site.html / image).is_file()


def test_no_page_shows_a_traceback(site):
    pages = list(site.html.rglob("*.html"))
    assert len(pages) >= 5
    for page in pages:
        assert "Traceback" not in page.read_text(encoding="utf-8"), page


def test_every_internal_link_resolves(site):
    checked = 0
    for page in site.html.rglob("*.html"):
        if page.name == "404.html" or "_static" in page.parts:  # 404: absolute from the root
            continue
        for _, _, link in links_of(page):
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("#", "//", "mailto:")) or not parts.path:
                continue
            target = (page.parent / parts.path).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(site.html)} links to missing {link}"
            checked += 1
    assert checked > 50


def test_pages_load_nothing_from_other_hosts(site):
    for page in site.html.rglob("*.html"):
        for tag, attr, link in links_of(page):
            loads = (tag, attr) in {("script", "src"), ("img", "src"), ("iframe", "src")} or (
                tag == "link" and attr == "href" and ".css" in link
            )
            if loads:
                assert not re.match(r"^(https?:)?//", link), f"{page.name} loads {link}"


def test_site_basics(site):
    home = site.page("index.html")
    assert 'property="og:title"' in home  # OpenGraph
    assert "copybutton" not in home  # no code block on it: no copy buttons to load
    assert (site.html / "404.html").is_file()
    assert "lessons/table-and-figure.html" in (site.html / "sitemap.xml").read_text()
    assert "table-and-figure" in (site.html / "searchindex.js").read_text()
    lesson = site.page("lessons/table-and-figure.html")
    assert "copybutton" in lesson  # copy buttons where there is code
    # maths is MathML written at build time: no page loads a script for it
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML"' in lesson
    for page in site.html.rglob("*.html"):
        assert "mathjax" not in page.read_text(encoding="utf-8").lower().replace(
            "mathjax_ignore", ""
        ), page


def test_both_kernels_run_with_their_backends_and_caches(site):
    cache = site.build_dir / "cache"
    cpu = site.page("lessons/probe-cpu.html")
    jax = site.page("lessons/probe-jax.html")
    assert re.search(r"MODE (Mode|FAST_RUN)", cpu)
    assert "MODE JAX" in jax
    for page in (cpu, jax):
        assert f"COMPILEDIR {cache}/pytensor" in page
    for page in (cpu, jax):
        assert f"JAXCACHE {cache}/jax" in page
    assert "DEVICES [CpuDevice(id=0)]" in jax
    records = json.loads((site.build_dir / "execution" / "records.json").read_text())
    assert records["lessons/probe-jax.md"]["device"] == "CPU (JAX, no GPU present)"
    assert "jax" in records["lessons/probe-jax.md"]["versions"]
    assert "jax" not in records["lessons/probe-cpu.md"]["versions"]


def test_a_rebuild_with_nothing_changed_executes_nothing(site):
    records = site.build_dir / "execution" / "records.json"
    before = records.read_text()
    again = build_site(site.root)
    assert again.status == 0, again.err
    assert "executed 0 of 3 lessons (3 from cache)" in again.out
    assert "Executing notebook" not in again.err  # Sphinx executed nothing either
    assert records.read_text() == before


def _build_processes() -> set[int]:
    """Lesson processes, fork servers and kernels running on this machine."""
    found = set()
    for process in psutil.process_iter(["cmdline"]):
        line = " ".join(process.info["cmdline"] or [])
        if any(part in line for part in ("forkserver.py", "multiprocessing.spawn", "ipykernel")):
            found.add(process.pid)
    return found


def test_a_build_that_needs_no_kernel_leaves_no_process_behind(site):
    # the build starts a lesson process as it starts, before it knows whether one is needed
    before = _build_processes()
    again = build_site(site.root)
    assert again.status == 0, again.err
    assert "executed 0 of 3 lessons" in again.out
    deadline = time.monotonic() + 30
    while _build_processes() - before and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _build_processes() - before == set()


def test_the_sitemap_names_every_page_after_an_incremental_build(site):
    page = site.root / "index.md"
    page.write_text(page.read_text() + "\nOne sentence more, so that one page is written again.\n")
    again = build_site(site.root)
    assert again.status == 0, again.err
    sitemap = (site.html / "sitemap.xml").read_text()
    listed = [urlsplit(loc).path.lstrip("/") for loc in re.findall(r"<loc>(.*?)</loc>", sitemap)]
    sources = {
        p.relative_to(site.root).with_suffix(".html").as_posix()
        for p in site.root.rglob("*.md")
        if "_build" not in p.parts
    }
    assert sources <= set(listed), sorted(sources - set(listed))
    assert listed == sorted(listed)  # the same file whatever the run had to write


def test_a_lesson_with_cached_code_gets_its_own_record(site):
    probe = (site.root / "lessons" / "probe-cpu.md").read_text()
    twin = probe.replace("---\n\n# Kernel probe", "orphan: true\n---\n\n# Twin of the probe", 1)
    (site.root / "lessons" / "twin.md").write_text(twin)
    again = build_site(site.root)
    assert again.status == 0, again.err
    assert "executed 0 of 4 lessons (4 from cache)" in again.out
    records = json.loads((site.build_dir / "execution" / "records.json").read_text())
    assert records["lessons/twin.md"]["path"] == "lessons/twin.md"
    assert records["lessons/twin.md"]["seconds"] == records["lessons/probe-cpu.md"]["seconds"]


def test_a_new_environment_executes_again(site):
    # runs last in this module: it changes the site's lock, as an upgrade of PyMC would
    (site.root / "uv.lock").write_text('version = 1\n[[package]]\nname = "pymc"\n')
    again = build_site(site.root)
    assert again.status == 0, again.err
    assert "executed 4 of 4 lessons (0 from cache)" in again.out


BROKEN = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: pymc-cpu
  display_name: PyMC
  language: python
---

# Broken

```{code-cell} ipython3
x = 1
```

```{code-cell} ipython3
x / 0
```
"""

STUCK = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: pymc-cpu
  display_name: PyMC
  language: python
---

# A sampler that cannot mix

```{code-cell} ipython3
import pymc as pm

with pm.Model():
    pm.Normal("x", 0, 0.1)
    idata = pm.sample(draws=100, tune=0, chains=2, cores=1, step=pm.Metropolis(),
                      initvals=[{"x": -5.0}, {"x": 5.0}], random_seed=1,
                      progressbar=False, compute_convergence_checks=False)
```
"""


def test_every_failure_is_one_line_and_the_build_fails(tmp_path):
    extra = {"lessons/broken.md": BROKEN, "lessons/stuck.md": STUCK}
    root = make_fixture_site(tmp_path / "site", extra)
    built = build_site(root)
    assert built.status == 1
    lines = built.err.strip().splitlines()
    assert (
        "lessons/broken.md:17: cell 2 raised ZeroDivisionError: division by zero "
        "(traceback: _build/logs/lessons__broken.log)"
    ) in lines
    (stuck,) = [line for line in lines if line.startswith("lessons/stuck.md:")]
    # at the line of the cell that sampled it, naming the parameter
    assert stuck.startswith("lessons/stuck.md:13: model 'idata' did not converge: r_hat of 'x' is ")
    assert stuck.endswith("in convergence-guard.expected-failures")
    assert "Traceback" not in built.err
    log = (root / "_build" / "logs" / "lessons__broken.log").read_text()
    assert "ZeroDivisionError" in log
    # the good lesson still ran and is cached; nothing was published
    records = json.loads((root / "_build" / "execution" / "records.json").read_text())
    assert records["lessons/table-and-figure.md"]["status"] == "ok"
    assert records["lessons/broken.md"]["status"] == "failed"
    assert records["lessons/stuck.md"]["guards"][0]["passed"] is False
    assert not (root / "_build" / "html").exists()


def test_check_reports_bad_sources_and_executes_nothing(tmp_path):
    bad = BROKEN.replace("name: pymc-cpu", "name: python3")
    root = make_fixture_site(tmp_path / "site", {"lessons/bad.md": bad})
    status, _, err = run_cli("--root", str(root), "check")
    assert status == 1
    assert err.strip() == (
        "lessons/bad.md:6: kernelspec.name is 'python3', not a kernel of the build "
        "(allowed: pymc-cpu, pymc-jax)"
    )
    assert not (root / "_build" / "execution").exists()


def test_check_fails_on_a_broken_reference(tmp_path):
    root = make_fixture_site(tmp_path / "site", {"docs/about.md": "# About\n\n{doc}`nowhere`\n"})
    status, _, err = run_cli("--root", str(root), "check")
    assert status == 1
    # Sphinx's own warning, in the same form as ours: relative path, line, message, type
    assert "docs/about.md:3: unknown document: 'nowhere' [ref.doc]" in err.splitlines()


def test_sphinx_s_own_warnings_read_like_ours(tmp_path):
    page = "# About\n\n```{no-such-directive}\n```\n\n![a figure](missing.png)\n"
    root = make_fixture_site(tmp_path / "site", {"docs/about.md": page})
    status, _, err = run_cli("--root", str(root), "check")
    assert status == 1
    lines = err.splitlines()
    assert any(
        line.startswith("docs/about.md:3: Unknown directive type: 'no-such-directive'")
        and line.endswith("[myst.directive_unknown]")
        for line in lines
    ), err
    assert any(
        line.startswith("docs/about.md:6: image file not readable: docs/missing.png")
        for line in lines
    ), err
    assert str(root) not in err


def test_a_separate_build_dir_holds_everything_and_sphinx_executes_nothing(tmp_path):
    root = make_fixture_site(tmp_path / "site")
    out = tmp_path / "elsewhere"
    status, stdout, err = run_cli("--root", str(root), "--build-dir", str(out), "build")
    assert status == 0, err
    assert "executed 1 of 1 lessons" in stdout
    assert (out / "html" / "lessons" / "table-and-figure.html").is_file()
    # had myst-nb missed the pre-executor's cache, it would have run the lesson again and
    # made a cache of its own under the source folder
    assert not (root / "_build").exists()
