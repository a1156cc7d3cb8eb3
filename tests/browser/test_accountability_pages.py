"""The actor page and the timeline in real Chromium: axe-core (WCAG 2.1 A/AA) at 1280 and
320 px, and no sideways scrolling of the page on a small screen."""

import datetime

import pytest

from reporting.rounds.models import RoundState, UpdateRound
from tests.public_site import make_public_site

pytestmark = pytest.mark.usefixtures("empty_caches")

PAGES = {
    "actor": ("/wie/OCW/", "OCW Ministerie van Onderwijs, Cultuur en Wetenschap"),
    "timeline": ("/tijdlijn/", "Tijdlijn: wanneer loopt welke activiteit?"),
}


@pytest.fixture
def site(transactional_db):
    site = make_public_site(activities=30)
    UpdateRound.objects.create(
        title="Uitvraag",
        reference_date=datetime.date(2025, 4, 15),
        deadline=datetime.date(2025, 5, 1),
        state=RoundState.CLOSED,
    )
    return site


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize(("path", "heading"), PAGES.values(), ids=PAGES.keys())
def test_the_page_passes_axe_and_fits_the_screen(
    live_server, browser, assert_accessible, site, path, heading, width
):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="nl-NL")
    page = context.new_page()
    try:
        response = page.goto(live_server.url + path)

        assert response.status == 200
        assert page.locator("h1").count() == 1
        assert " ".join(page.locator("h1").inner_text().split()) == heading
        # Wide tables scroll inside their own labelled region, never the page itself.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert_accessible(page)
    finally:
        context.close()
