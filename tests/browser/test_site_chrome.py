"""The site's chrome in real Chromium: quick exit, the new pages, phones (320 px) and focus."""

import datetime

import pytest

from reporting.models import ProgressReport
from reporting.services import publish_report
from tests.public_site import make_public_site

pytestmark = pytest.mark.usefixtures("empty_caches")

WIDTHS = [1280, 320]


@pytest.fixture
def site(transactional_db):
    site = make_public_site(activities=12)
    # A long explanation and many actors: what makes the report's table wide.
    activity = site.activities[0]
    activity.explanation = "Eenheelerglangwoordzonderspatiesdatnietafbreekt " * 20
    activity.save()
    report = ProgressReport.objects.create(
        title="Voortgangsrapportage NAP 2025",
        slug="nap-2025",
        reference_date=datetime.date.today(),
    )
    publish_report(report)
    return site


def open_at(page, url: str, width: int, heading: str) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    response = page.goto(url)
    assert response.status == 200, url
    assert " ".join(page.locator("h1").inner_text().split()) == heading


def page_scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


PAGES = [
    ("/colofon/", "Colofon"),
    ("/privacy/", "Privacy"),
    ("/toegankelijkheid/", "Toegankelijkheid"),
    ("/activiteiten/", "Activiteiten"),
    ("/rapportages/", "Voortgangsrapportages"),
    ("/rapportages/nap-2025/", "Voortgangsrapportage NAP 2025"),
    ("/open-data/", "Open data: de activiteiten downloaden"),
    ("/", "Voortgang van het Nationaal Actieprogramma"),
]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("path", "heading"), PAGES, ids=[p for p, _ in PAGES])
def test_page_is_accessible_and_never_scrolls_sideways(
    live_server, page, assert_accessible, site, path, heading, width
):
    open_at(page, live_server.url + path, width, heading)

    assert page_scroll_width(page) <= width
    # Every table sits in a labelled box of its own that scrolls, if anything does.
    for table in page.locator("main table:not(.visually-hidden table)").all():
        box = table.locator("xpath=..")
        assert box.get_attribute("class") == "table-scroll"
        assert box.get_attribute("role") == "region"
        assert box.get_attribute("tabindex") == "0"
        label_id = box.get_attribute("aria-labelledby")
        assert page.locator(f"[id='{label_id}']").count() == 1
    assert_accessible(page)


def test_the_report_table_scrolls_inside_its_box_on_a_phone(live_server, page, site):
    open_at(page, live_server.url + "/rapportages/nap-2025/", 320, "Voortgangsrapportage NAP 2025")

    box = page.locator("main .table-scroll:has(table.annex)").first
    widths = box.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] > widths[1]  # the table is wider than the screen and scrolls in its box
    assert page_scroll_width(page) <= 320


def test_on_a_phone_the_filters_are_folded_below_the_count(live_server, page, site):
    open_at(page, live_server.url + "/activiteiten/", 320, "Activiteiten")

    summary = page.locator("summary.filters-disclosure__toggle")
    count = page.locator("#resultaten-kop")
    assert summary.is_visible() and summary.inner_text().startswith("Filters")
    assert not page.locator("#filters input[name=q]").is_visible()
    assert count.inner_text() == "12 activiteiten"
    assert count.bounding_box()["y"] < summary.bounding_box()["y"]

    summary.click()
    assert page.locator("#filters input[name=q]").is_visible()


def test_on_a_wide_screen_the_filters_are_open_without_a_toggle(live_server, page, site):
    open_at(page, live_server.url + "/activiteiten/", 1280, "Activiteiten")

    assert not page.locator("summary.filters-disclosure__toggle").is_visible()
    assert page.locator("#filters input[name=q]").is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_after_filtering_the_focus_is_on_the_count(live_server, page, site, width):
    open_at(page, live_server.url + "/activiteiten/", width, "Activiteiten")
    assert page.evaluate("document.activeElement.id") != "resultaten-kop"
    if width == 320:
        page.locator("summary.filters-disclosure__toggle").click()

    page.locator("input[name=status][value=vertraagd]").check()
    with page.expect_navigation():
        page.locator("#filters button[type=submit]").click()

    expected = sum(1 for a in site.activities if a.status.code == "vertraagd")
    focused = page.evaluate("[document.activeElement.id, document.activeElement.innerText]")
    assert focused == ["resultaten-kop", f"{expected} activiteiten"]
    assert page.locator("#resultaten-kop").is_visible()


def test_quick_exit_is_right_after_the_skip_link_and_leaves_no_way_back(
    live_server, page, site, settings
):
    # A page of this test server stands in for the neutral site (tests never go online).
    settings.NAP_QUICK_EXIT_URL = live_server.url + "/static/img/favicon.svg"
    page.goto(live_server.url + "/statussen/")
    page.goto(live_server.url + "/colofon/")
    length = page.evaluate("history.length")

    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.innerText, document.activeElement.href]")
    assert focused[0].startswith("Snel weg")
    assert focused[1] == settings.NAP_QUICK_EXIT_URL
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url == settings.NAP_QUICK_EXIT_URL
    # The page it fled from was replaced, not added to: Back skips it.
    assert page.evaluate("history.length") == length
    page.go_back()
    assert page.url == live_server.url + "/statussen/"


def test_quick_exit_without_javascript_is_a_plain_link(live_server, browser, site, settings):
    settings.NAP_QUICK_EXIT_URL = live_server.url + "/static/img/favicon.svg"
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/colofon/")
        with page.expect_navigation():
            page.get_by_role("link", name="Snel weg").click()
        assert page.url == settings.NAP_QUICK_EXIT_URL
        page.go_back()
        assert page.url == live_server.url + "/colofon/"  # only the script can prevent this
    finally:
        context.close()
