"""Who runs the site, the help line and quick exit, and the pages' previews when shared."""

import datetime
from html.parser import HTMLParser

import pytest

from reporting.models import ProgressReport
from reporting.services import publish_report
from tests.public_site import make_public_site

pytestmark = pytest.mark.usefixtures("empty_caches")


class Page(HTMLParser):
    """The parts of a page these tests read: links, meta tags, canonical link, visible text."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[dict] = []
        self.meta: dict[str, str] = {}
        self.canonical: list[str] = []
        self.scripts: list[str] = []
        self.text_parts: list[str] = []
        self._open_link: dict | None = None
        self.feed(html)
        self.text = " ".join(" ".join(self.text_parts).split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._open_link = {**attrs, "text": ""}
            self.links.append(self._open_link)
        elif tag == "meta" and ("name" in attrs or "property" in attrs):
            self.meta[attrs.get("name") or attrs["property"]] = attrs.get("content", "")
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonical.append(attrs["href"])
        elif tag == "script" and "src" in attrs:
            self.scripts.append(attrs["src"])

    def handle_endtag(self, tag):
        if tag == "a":
            self._open_link = None

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._open_link is not None:
            self._open_link["text"] += data

    def link(self, text: str) -> dict:
        found = [a for a in self.links if " ".join(a["text"].split()).startswith(text)]
        # The same link may appear twice (footer and body text), but always to the same place.
        assert found and len({a.get("href") for a in found}) == 1, f"{text!r}: {found}"
        return found[0]


@pytest.fixture
def site(db):
    site = make_public_site(activities=3)
    report = ProgressReport.objects.create(
        title="Voortgangsrapportage NAP 2025",
        slug="nap-2025",
        reference_date=datetime.date.today(),
    )
    publish_report(report)
    return site


PUBLIC_PAGES = [
    "/",
    "/actielijnen/1/",
    "/activiteiten/",
    "/activiteiten/?status=loopt",
    "/activiteiten/{slug}/",
    "/statussen/",
    "/open-data/",
    "/rapportages/",
    "/rapportages/nap-2025/",
    "/toegankelijkheid/",
    "/colofon/",
    "/privacy/",
    "/bestaat-niet/",
]


def get_page(client, site, path: str) -> Page:
    response = client.get(path.format(slug=site.activities[0].slug))
    expected = 404 if path.startswith("/bestaat-niet/") else 200
    assert response.status_code == expected, path
    return Page(response.content.decode())


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_has_help_line_quick_exit_and_footer(client, site, settings, path):
    settings.NAP_QUICK_EXIT_URL = "https://weer.example.nl/"
    settings.NAP_HOUSE_ORGANISATION = "Programmateam Voorbeeld"
    settings.NAP_SITE_CONTACT_EMAIL = "nap@voorbeeld.example"

    page = get_page(client, site, path)

    # The skip link first, the quick exit straight after it: a plain link that needs no script.
    assert page.links[0]["href"] == "#inhoud"
    assert page.links[1]["href"] == "https://weer.example.nl/"
    assert page.links[1]["text"].startswith("Snel weg")
    assert "/static/js/quick-exit.js" in page.scripts
    assert page.link("0800-0188")["href"] == "tel:08000188"
    assert "Centrum Seksueel Geweld" in page.text
    assert page.link("centrumseksueelgeweld.nl")["href"] == "https://centrumseksueelgeweld.nl"
    # The footer: who runs the site and how to reach them.
    assert "beheerd door het Programmateam Voorbeeld" in page.text
    assert page.link("nap@voorbeeld.example")["href"] == "mailto:nap@voorbeeld.example"
    assert page.link("Colofon")["href"] == "/colofon/"
    assert page.link("Privacy")["href"] == "/privacy/"
    assert page.link("Toegankelijkheid")["href"] == "/toegankelijkheid/"


def test_the_default_organisation_is_the_programme_not_a_ministry(client, site):
    page = get_page(client, site, "/colofon/")

    assert "Programma Nationaal Actieprogramma aanpak seksueel" in page.text
    assert "Ministerie" not in page.text


def test_colofon_names_organisation_and_contact(client, site, settings):
    settings.NAP_HOUSE_ORGANISATION = "Programmateam Voorbeeld"
    settings.NAP_SITE_CONTACT_EMAIL = "nap@voorbeeld.example"

    page = get_page(client, site, "/colofon/")

    assert page.meta["og:title"] == "Colofon"
    assert "Deze website wordt gemaakt en beheerd door het Programmateam Voorbeeld" in page.text
    assert "Mail naar nap@voorbeeld.example" in page.text


def test_privacy_states_what_is_logged_and_the_configured_retention(client, site, settings):
    settings.NAP_LOGIN_LOG_DAYS = 45
    settings.NAP_TASK_KEEP_DAYS = 12

    page = get_page(client, site, "/privacy/")

    assert "Uw IP-adres, uw browser en de pagina waar u vandaan kwam, staan er niet in" in page.text
    assert "Geen cookies" in page.text
    assert f"na {settings.NAP_LOGIN_LOG_DAYS} dagen automatisch verwijderd" in page.text
    assert f"blijven na afloop {settings.NAP_TASK_KEEP_DAYS} dagen zichtbaar" in page.text
    assert f"{settings.NAP_SESSION_IDLE_MINUTES} minuten zonder activiteit" in page.text


def test_accessibility_statement_has_the_required_parts(client, site, settings):
    settings.NAP_ACCESSIBILITY_AUDIT_DATE = datetime.date(2026, 11, 30)
    settings.NAP_SITE_CONTACT_EMAIL = "nap@voorbeeld.example"

    page = get_page(client, site, "/toegankelijkheid/")

    assert "Nalevingsstatus Deze website voldoet gedeeltelijk aan WCAG 2.1 niveau AA." in page.text
    assert "Laatst getoetst op 30 november 2026" in page.text
    assert "axe-core" in page.text and "Chromium" in page.text
    assert "Met de hand" in page.text
    assert "Mail dan naar nap@voorbeeld.example" in page.text
    ombudsman = page.link("Nationale ombudsman")
    assert ombudsman["href"] == "https://www.nationaleombudsman.nl"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_page_has_a_canonical_address_and_a_preview(client, site, settings, path):
    settings.NAP_SITE_URL = "https://nap.example.nl"
    real_path = path.format(slug=site.activities[0].slug)
    separator = "&" if "?" in path else "?"

    page = get_page(client, site, f"{path}{separator}utm_source=nieuwsbrief&fbclid=abc")

    assert page.canonical == [f"https://nap.example.nl{real_path}"]
    assert page.meta["og:url"] == f"https://nap.example.nl{real_path}"
    assert page.meta["og:locale"] == "nl_NL"
    assert page.meta["og:type"] in {"website", "article"}
    assert page.meta["og:title"]
    assert page.meta["description"]
    assert page.meta["og:description"] == page.meta["description"]


def test_pages_describe_themselves(client, site):
    activity = site.activities[0]
    descriptions = {
        path: get_page(client, site, path).meta["description"]
        for path in ["/", "/activiteiten/", f"/activiteiten/{activity.slug}/", "/colofon/"]
    }

    assert len(set(descriptions.values())) == len(descriptions), descriptions
    activity_page = get_page(client, site, f"/activiteiten/{activity.slug}/")
    assert activity_page.meta["og:title"] == activity.title
