"""The instructor view in a real browser: notes hidden until the switch is on, remembered."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.site]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def served(real_site) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(real_site.html))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip("no Chromium on this machine")
    with playwright.sync_playwright() as driver:
        instance = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def test_instructor_view_switch(served, browser):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{served}/curriculum/courses/bayes-intro/first-model.html")
    note = page.locator(".instructor-note").first
    switch = page.locator(".ose-instructor-switch")
    assert not note.is_visible()
    assert switch.is_visible() and switch.get_attribute("aria-pressed") == "false"
    switch.click()
    assert note.is_visible()
    assert switch.get_attribute("aria-pressed") == "true"
    # the choice follows the instructor to the next lesson
    page.goto(f"{served}/curriculum/courses/bayes-intro/priors.html")
    assert page.locator(".instructor-note").first.is_visible()
    page.locator(".ose-instructor-switch").click()
    assert not page.locator(".instructor-note").first.is_visible()
    # solutions stay closed until opened
    solution = page.locator("details.solution").first
    assert solution.get_attribute("open") is None
    solution.locator("summary").click()
    assert solution.get_attribute("open") is not None
    assert all(url.startswith(served) or url.startswith("data:") for url in requests)
    page.close()


def test_without_javascript_notes_stay_hidden_and_no_switch_shows(served, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{served}/curriculum/courses/bayes-intro/first-model.html")
    assert not page.locator(".instructor-note").first.is_visible()
    assert not page.locator(".ose-instructor-switch").is_visible()
    context.close()
