"""Accessibility: axe-core in Chromium over one page of every type, in light and dark mode.

Every page must have no violation of impact "critical" or "serious". axe-core is the npm package
pinned in package.json; the nox tests session installs it (``npm ci``) into node_modules/ when it is
missing, and this module never fetches anything: without node_modules/axe-core/axe.min.js the tests
are skipped, except in CI (``CI=true``), where they fail, as the other browser tests do.

By default the pages are the real site's, built once per session (the ``real_site`` fixture). To
check an HTML directory that is already built (a copy of a published site, a fixture build),
point ``OSE_A11Y_SITE`` at it; nothing is built then::

    OSE_A11Y_SITE=_build/html PYTHONPATH=src .venv/bin/pytest -s tests/test_accessibility.py

``-s`` shows the count of violations of each impact, per page and mode.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import open_browser, require_browser, serve
from conftest import IN_CI, REPO

pytestmark = [pytest.mark.browser, pytest.mark.site]

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")
MODES = ("light", "dark")

# one page of every type: (type, path relative to the HTML root)
PAGES = [
    ("home", "index.html"),
    ("course", "curriculum/courses/bayes-intro/index.html"),
    ("lesson", "curriculum/courses/bayes-intro/regression.html"),
    ("report", "curriculum/report.html"),
    ("workshop", "curriculum/workshops/bayes-university/workshop.html"),
    ("decision index", "decisions/index.html"),
    ("decision record", "decisions/0001-myst-sources-and-executed-notebooks.html"),
    ("charter", "governance/tsc.html"),
    ("budget", "governance/budget.html"),
    ("blog post", "docs/posts/2026-11-26-a-new-home.html"),
    ("search", "search.html?q=pymc"),
    ("404", "404.html"),
]


def require_axe(in_ci: bool) -> Path:
    """axe.min.js, or skip (fail in CI) with the reason."""
    if not AXE.is_file():
        reason = (
            f"axe-core is not installed ({AXE.relative_to(REPO)} is missing): "
            "run `npm ci` at the repository root, as the nox tests session does"
        )
        if in_ci:
            pytest.fail(f"accessibility test cannot run in CI: {reason}")
        pytest.skip(reason)
    return AXE


def site_root(request: pytest.FixtureRequest) -> Path:
    """``OSE_A11Y_SITE`` when set (no build), else the real site's HTML."""
    override = os.environ.get("OSE_A11Y_SITE")
    if override:
        root = Path(override).resolve()
        if not (root / "index.html").is_file():
            pytest.fail(f"OSE_A11Y_SITE={override}: no index.html there (a built HTML directory)")
        return root
    return request.getfixturevalue("real_site").html


@pytest.fixture(scope="module")
def session(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any, Path]]:
    """One server and one Chromium for the module: (base URL, browser, axe.min.js)."""
    chromium = require_browser(IN_CI)
    axe = require_axe(IN_CI)
    root = site_root(request)
    with serve(root) as base, open_browser(chromium) as browser:
        yield base, browser, axe


def audit(browser: Any, url: str, mode: str, axe: Path) -> list[dict[str, Any]]:
    """axe-core's violations on ``url`` in colour ``mode``, after the page has settled."""
    context = browser.new_context(color_scheme=mode)
    try:
        # the theme reads the reader's choice from localStorage before the page is drawn
        context.add_init_script(
            f"try {{ localStorage.setItem('mode', '{mode}'); "
            f"localStorage.setItem('theme', '{mode}'); }} catch (e) {{}}"
        )
        page = context.new_page()
        page.goto(url, wait_until="networkidle")
        theme = page.evaluate("document.documentElement.dataset.theme")
        assert theme == mode, f"{url}: data-theme is {theme!r}, not {mode!r}"
        if "search.html" in url:
            # the results are written by the search script once its index has loaded
            page.locator("#search-results ul.search li").first.wait_for(timeout=20_000)
        page.add_script_tag(path=str(axe))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return result["violations"]
    finally:
        context.close()


def describe(violations: list[dict[str, Any]], where: str) -> str:
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"{where}: {violation['id']} ({violation['impact']}, {len(violation['nodes'])} "
            f"elements): {violation['help']}; e.g. {'; '.join(targets)}"
            + (f" and {more} more" if more > 0 else "")
        )
    return "\n".join(lines)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("kind", "path"), PAGES, ids=[kind for kind, _ in PAGES])
def test_no_serious_accessibility_violations(session, kind, path, mode):
    base, browser, axe = session
    violations = audit(browser, base + path, mode, axe)
    counts = {
        impact: sum(len(v["nodes"]) for v in violations if v["impact"] == impact)
        for impact in ("critical", "serious", "moderate", "minor")
    }
    print(f"\naxe {kind} ({path}, {mode}): " + ", ".join(f"{k} {n}" for k, n in counts.items()))
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, "\n" + describe(blocking, f"{kind} {path} [{mode}]")
