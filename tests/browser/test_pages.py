"""Every public page type in real Chromium: axe-core (WCAG 2.1 A/AA), small screens, keyboard."""

import pytest
from django.template.loader import render_to_string

from tests.public_site import make_public_site

pytestmark = pytest.mark.usefixtures("empty_caches")

# Each page type: its address, the status it must answer and its h1, so that axe judges the
# page it is meant to (a 404 or an error page passing axe proves nothing about the others).
PAGE_TYPES = {
    "overview": ("/", 200, "Voortgang van het Nationaal Actieprogramma"),
    "action line": (
        "/actielijnen/1/",
        200,
        "Actielijn 1 Er zijn gedeelde maatschappelijke waarden en normen",
    ),
    "activity list": ("/activiteiten/", 200, "Activiteiten"),
    "filtered list with chips": (
        "/activiteiten/?status=loopt&wie=OCW&q=maatregel&jaar=2024",
        200,
        "Activiteiten",
    ),
    "list with errors": ("/activiteiten/?jaar=abc&status=nope", 400, "Activiteiten"),
    "empty list": ("/activiteiten/?q=onvindbaar", 200, "Activiteiten"),
    "activity": ("/activiteiten/{slug}/", 200, "{title}"),
    "statuses": ("/statussen/", 200, "Wat betekenen de statussen?"),
    "accessibility statement": ("/toegankelijkheid/", 200, "Toegankelijkheid"),
    "not found": ("/bestaat-niet/", 404, "Pagina niet gevonden"),
}
PATHS = {name: path for name, (path, _status, _heading) in PAGE_TYPES.items()}


@pytest.fixture
def site(transactional_db):
    site = make_public_site(activities=30)
    # One activity with a full history, a deviation and footnotes.
    activity = site.activities[0]
    activity.deviates_from_plan = True
    activity.status = site.statuses["vertraagd"]
    activity.save()
    return site


def url_for(live_server, site, path: str) -> str:
    return live_server.url + path.format(slug=site.activities[0].slug)


@pytest.mark.parametrize(("path", "status", "heading"), PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_every_page_type_passes_axe(
    live_server, page, assert_accessible, site, path, status, heading
):
    response = page.goto(url_for(live_server, site, path))

    assert response.status == status
    assert page.locator("h1").count() == 1
    shown = " ".join(page.locator("h1").inner_text().split())
    assert shown == heading.format(title=site.activities[0].title)
    # The stylesheet really loaded, so that axe judges the colours people see.
    header_colour = page.eval_on_selector(".main-nav", "el => getComputedStyle(el).backgroundColor")
    assert header_colour == "rgb(1, 104, 155)"
    assert_accessible(page)


def test_a_refused_form_gets_the_styled_dutch_403_page(live_server, page, assert_accessible, db):
    page.goto(live_server.url + "/toegankelijkheid/")

    # A form whose CSRF token is missing, as after a stale or forged post.
    with page.expect_navigation() as navigation:
        page.evaluate(
            """() => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = "/admin/login/";
                document.body.append(form);
                form.submit();
            }"""
        )

    assert navigation.value.status == 403
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("h1").inner_text() == "Formulier niet verstuurd"
    # The Content-Security-Policy let the site's stylesheet in (Django's own page is blocked).
    colour = page.eval_on_selector(".site-header", "el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(255, 255, 255)"  # unstyled, it would be transparent
    assert_accessible(page)


def test_the_server_error_page_passes_axe(live_server, page, assert_accessible):
    html = render_to_string("500.html")
    page.route(
        "**/kapot/",
        lambda route: route.fulfill(status=500, body=html, content_type="text/html"),
    )

    page.goto(live_server.url + "/kapot/")

    assert page.locator("h1").inner_text() == "Er ging iets mis"
    assert_accessible(page)


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_every_page_type_fits_a_320_pixel_screen(live_server, browser, site, path):
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="nl-NL")
    small = context.new_page()
    try:
        small.goto(url_for(live_server, site, path))
        # Wide tables scroll inside their own region; the page itself never scrolls sideways.
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width}px wide"
    finally:
        context.close()


def test_the_filters_work_with_the_keyboard_alone(live_server, page, site):
    page.goto(live_server.url + "/activiteiten/")
    total = page.locator("#resultaten-kop").inner_text()

    page.keyboard.press("Tab")
    assert focused(page) == "Direct naar de inhoud"  # the skip link comes first

    checkbox = tab_to(page, "input[name=status][value=vertraagd]")
    page.keyboard.press("Space")
    assert checkbox.is_checked()

    tab_to(page, "#filters button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Empty fields stay out of the shared address (a progressive enhancement).
    assert "status=vertraagd" in page.url and "q=" not in page.url and "jaar=" not in page.url
    heading = page.locator("#resultaten-kop").inner_text()
    expected = sum(1 for a in site.activities if a.status.code == "vertraagd")
    assert heading == f"{expected} activiteiten" != total
    assert " ".join(page.locator(".chip").inner_text().split()).startswith("Status: Vertraagd")
    statuses = page.locator(".activity-card .status-badge").all_inner_texts()
    assert statuses and all(text.endswith("Vertraagd") for text in statuses)
    assert page.locator("input[name=status][value=vertraagd]").is_checked()


def test_a_chip_removes_its_filter_with_the_keyboard(live_server, page, site):
    page.goto(live_server.url + "/activiteiten/?status=afgerond&wie=OCW")

    tab_to(page, ".chip >> nth=0")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.endswith("/activiteiten/?wie=OCW")


def focused(page) -> str:
    return page.evaluate("document.activeElement.innerText || document.activeElement.value")


def tab_to(page, selector: str, limit: int = 80):
    """Press Tab until the element is focused, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return target
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus in {limit} presses of Tab")
