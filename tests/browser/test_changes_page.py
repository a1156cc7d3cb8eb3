"""The changes page (/wijzigingen/) in real Chromium: axe-core at 1280 and 320 pixels."""

import pytest

from measures import services
from tests.measures.editors import make_coordinator
from tests.public_site import make_public_site

pytestmark = pytest.mark.usefixtures("empty_caches")

PATHS = ["/wijzigingen/", "/wijzigingen/?wie=OCW&actielijn=1", "/wijzigingen/?wie=XYZ"]
STATUS = {"/wijzigingen/?wie=XYZ": 400}


@pytest.fixture
def site(transactional_db):
    site = make_public_site(activities=30)
    activity = site.activities[0]
    services.propose_changes(
        activity,
        user=make_coordinator(),
        base_version=activity.version,
        changes={
            "status": site.statuses["vertraagd"],
            "timeframe_label": "2024-2027",
            "explanation": "Herschreven <toelichting> met een langere tekst.",
            "footnotes": [{"number": 3, "text": "Kamerbrief.", "url": ""}],
            "deviates_from_plan": True,
        },
    )
    return site


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("path", PATHS)
def test_the_changes_page_passes_axe_and_fits_the_screen(
    live_server, browser, assert_accessible, site, path, width
):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="nl-NL")
    page = context.new_page()
    try:
        response = page.goto(live_server.url + path)

        assert response.status == STATUS.get(path, 200)
        assert page.locator("h1").inner_text() == "Recent gewijzigd"
        if response.status == 200:
            assert page.locator("li.change").count() > 0
        width_used = page.evaluate("document.documentElement.scrollWidth")
        assert width_used <= width, f"{path} is {width_used}px wide at {width}px"
        assert_accessible(page)
    finally:
        context.close()
