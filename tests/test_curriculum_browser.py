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


def test_nothing_of_a_solution_shows_before_it_is_opened(site):
    """Prose, code, printed output and figures of every solution of a lesson stay hidden until
    the learner opens that solution; then they are all there."""
    base, browser = site
    page = browser.new_page()
    page.goto(base + "curriculum/courses/bayes-intro/regression.html")
    solutions = page.locator("details.solution")
    assert solutions.count() >= 2
    assert (
        page.locator(".tag_solution").count()
        == page.locator("details.solution .tag_solution").count()
    )
    figures = 0
    for index in range(solutions.count()):
        solution = solutions.nth(index)
        parts = solution.locator(".sd-summary-content > *, .cell_output img, .cell_output pre")
        assert parts.count() >= 2
        assert not any(parts.nth(i).is_visible() for i in range(parts.count()))
        solution.locator("summary").click()
        assert all(parts.nth(i).is_visible() for i in range(parts.count()))
        figures += solution.locator(".cell_output img").count()
    assert figures >= 1  # a solution with a figure: the figure too was hidden until opened
    page.close()
