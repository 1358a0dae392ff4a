"""The instructor view in a real browser: notes hidden until the switch is on, remembered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from browser import PageWatch, open_browser, require_browser, serve
from conftest import IN_CI

pytestmark = [pytest.mark.browser, pytest.mark.site]

LESSON = "curriculum/courses/bayes-intro/first-model.html"
NEXT_LESSON = "curriculum/courses/bayes-intro/priors.html"


@pytest.fixture(scope="module")
def site(real_site) -> Iterator[tuple[str, Any]]:
    """The real site served on 127.0.0.1 and a Chromium to read it with."""
    chromium = require_browser(IN_CI)
    with serve(real_site.html) as base, open_browser(chromium) as browser:
        yield base, browser


def test_instructor_view_switch(site):
    base, browser = site
    page = browser.new_page()
    watch = PageWatch()
    watch.attach(page)
    page.goto(base + LESSON)
    note = page.locator(".instructor-note").first
    switch = page.locator(".ose-instructor-switch")
    assert not note.is_visible()
    assert switch.is_visible() and switch.get_attribute("aria-pressed") == "false"
    switch.click()
    assert note.is_visible()
    assert switch.get_attribute("aria-pressed") == "true"
    # the choice follows the instructor to the next lesson, and can be undone there
    page.goto(base + NEXT_LESSON)
    assert page.locator(".instructor-note").first.is_visible()
    page.locator(".ose-instructor-switch").click()
    assert not page.locator(".instructor-note").first.is_visible()
    # solutions stay closed until opened
    solution = page.locator("details.solution").first
    assert solution.get_attribute("open") is None
    solution.locator("summary").click()
    assert solution.get_attribute("open") is not None
    assert watch.page_errors == []
    assert watch.console_errors == [], watch.console_errors
    assert watch.hosts == {"127.0.0.1"}
    page.close()


def test_without_javascript_notes_stay_hidden_and_no_switch_shows(site):
    base, browser = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + LESSON)
    assert not page.locator(".instructor-note").first.is_visible()
    assert not page.locator(".ose-instructor-switch").is_visible()
    context.close()
