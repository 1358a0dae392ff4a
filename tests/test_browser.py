"""The published site in a real browser: home page, search, console, hosts contacted."""

from __future__ import annotations

import pytest

from browser import PageWatch, open_browser, require_browser, serve
from conftest import IN_CI

pytestmark = [pytest.mark.browser, pytest.mark.site]


@pytest.fixture(scope="module")
def chromium() -> str:
    return require_browser(IN_CI)


def test_home_page_search_and_console(real_site, chromium):
    with serve(real_site.html) as base, open_browser(chromium) as browser:
        page = browser.new_page()
        watch = PageWatch()
        watch.attach(page)

        page.goto(base, wait_until="networkidle")
        assert "PyMC Foundation" in page.title()
        navbar = page.locator("nav.navbar-nav, .bd-navbar-elements").first.inner_text()
        for section in ("Learn", "Governance", "Decisions", "Events", "Blog"):
            assert section in navbar

        # search from the page's own search box, as a reader would
        page.keyboard.press("Control+k")
        box = page.locator("input[name='q']:visible").first
        box.fill("PyTensor")
        box.press("Enter")
        page.wait_for_url("**/search.html?q=PyTensor*")
        results = page.locator("#search-results ul.search li")
        results.first.wait_for(timeout=20_000)
        assert results.count() >= 1

        # a lesson page with maths shows it as MathML written at build time, with no script
        page.goto(
            base + "curriculum/courses/bayes-intro/first-model.html", wait_until="networkidle"
        )
        formula = page.locator("span.math > math").first
        formula.wait_for(timeout=20_000)
        assert formula.evaluate("node => node.getBoundingClientRect().width") > 0

        assert watch.page_errors == []
        assert watch.console_errors == [], watch.console_errors
        assert watch.hosts == {"127.0.0.1"}, f"pages contacted other hosts: {watch.hosts}"


def test_events_an_event_calendar_and_a_webinar_s_executed_case_study(real_site, chromium):
    """A reader goes from the home page to the events, takes one event's calendar file, and
    follows a webinar to its case study, whose figures were drawn by the build's execution."""
    with serve(real_site.html) as base, open_browser(chromium) as browser:
        page = browser.new_page()
        watch = PageWatch()
        watch.attach(page)

        page.goto(base, wait_until="networkidle")
        community = page.locator(".sd-card", has_text="I want to meet the community")
        community.scroll_into_view_if_needed()
        card = community.bounding_box()
        assert card is not None
        page.mouse.click(card["x"] + card["width"] / 2, card["y"] + card["height"] / 2)
        page.wait_for_url("**/docs/events/index.html")
        upcoming = page.locator("table.ose-event-list").first
        assert upcoming.locator("tbody tr").count() >= 3

        page.get_by_role("link", name="Webinar: partial pooling").first.click()
        page.wait_for_url("**/webinar-partial-pooling.html")
        ics = page.locator("a[href$='webinar-partial-pooling.ics']").first
        response = page.request.get(base + "docs/events/webinars/webinar-partial-pooling.ics")
        assert response.ok and ics.is_visible()
        body = response.text()
        assert body.startswith("BEGIN:VCALENDAR")
        assert "UID:webinar-partial-pooling@pymc-foundation.org" in body
        details = page.locator(".ose-event-details").inner_text()
        assert "Source" in details and "Licence" in details and "Verified:" in details

        page.get_by_role("link", name="Eight schools, with named dimensions").first.click()
        page.wait_for_url("**/case-studies/eight-schools.html")
        figures = page.locator(".cell_output img")
        figures.first.wait_for()
        assert figures.count() >= 2
        widths = figures.evaluate_all("images => images.map(image => image.naturalWidth)")
        assert all(width > 0 for width in widths), widths

        assert watch.page_errors == []
        assert watch.console_errors == [], watch.console_errors
        assert watch.hosts == {"127.0.0.1"}, f"pages contacted other hosts: {watch.hosts}"


def test_the_metrics_page_draws_its_charts_beside_their_tables(real_site, chromium):
    """The evaluation plan's live metrics: every chart loads, says what it shows in its alt
    text, and has a table with the same figures."""
    with serve(real_site.html) as base, open_browser(chromium) as browser:
        page = browser.new_page()
        watch = PageWatch()
        watch.attach(page)
        page.goto(base + "governance/evaluation.html#metrics-live", wait_until="networkidle")
        charts = page.locator("figure.ose-chart img")
        assert charts.count() == 3
        for index in range(3):
            chart = charts.nth(index)
            chart.scroll_into_view_if_needed()
            assert chart.evaluate("image => image.complete && image.naturalWidth > 0")
            assert chart.get_attribute("alt").startswith("Bar chart of")
        for caption in ("Decision records by status", "Execution time per lesson, this build"):
            assert page.locator("table caption", has_text=caption).count() == 1
        assert page.get_by_text("not yet reported").count() >= 1
        assert watch.page_errors == [] and watch.console_errors == []
        assert watch.hosts == {"127.0.0.1"}
