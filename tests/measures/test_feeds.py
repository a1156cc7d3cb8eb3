"""Atom feeds of the public changes: all, per activity, per actor."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures import services
from tests.factories import make_activity
from tests.measures.editors import make_coordinator, make_staff_member
from tests.public_site import make_public_site

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own server's output)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None, name
    return root


def entries(root: ET.Element) -> list[dict]:
    found = []
    for entry in root.findall(f"{ATOM}entry"):
        item = {name: entry.findtext(f"{ATOM}{name}") for name in ("id", "title", "updated")}
        item["link"] = entry.find(f"{ATOM}link").get("href")
        item["summary"] = entry.findtext(f"{ATOM}summary") or ""
        assert all(item.values()), item
        found.append(item)
    return found


@pytest.fixture
def site(action_line, status, closed_status, ocw, szw):
    coordinator = make_coordinator()
    shown = make_activity(action_line=action_line, status=status, actors=(ocw,), title="Campagne")
    services.propose_changes(
        shown, user=coordinator, base_version=shown.version, changes={"status": closed_status}
    )
    make_activity(action_line=action_line, status=status, actors=(szw,), title="Monitor SZW")
    hidden = make_activity(
        action_line=action_line, status=status, actors=(ocw,), title="Verborgen", is_public=False
    )
    shown.refresh_from_db()
    # A ministry's proposal waits for review: not in any feed.
    services.propose_changes(
        shown,
        user=make_staff_member(ocw),
        base_version=shown.version,
        changes={"explanation": "Nog niet goedgekeurd."},
    )
    return shown, hidden


def test_the_feed_of_all_changes_is_valid_atom_without_hidden_or_unapproved_items(client, site):
    shown, _ = site

    items = entries(feed(client, "/wijzigingen/feed/"))

    assert [item["title"] for item in items] == [
        "Monitor SZW: nieuwe activiteit",
        "Campagne: gewijzigd",
        "Campagne: nieuwe activiteit",
    ]
    assert items[1]["summary"] == "Status: Loopt → Afgerond."
    assert items[1]["link"] == f"http://testserver/activiteiten/{shown.slug}/"
    assert len({item["id"] for item in items}) == 3
    text = " ".join(str(item) for item in items)
    assert "Verborgen" not in text and "Nog niet goedgekeurd" not in text


def test_one_activitys_feed(client, site):
    shown, hidden = site

    items = entries(feed(client, f"/activiteiten/{shown.slug}/feed/"))

    assert [item["title"] for item in items] == [
        "Campagne: gewijzigd",
        "Campagne: nieuwe activiteit",
    ]
    assert client.get(f"/activiteiten/{hidden.slug}/feed/").status_code == 404


def test_one_actors_feed(client, site):
    items = entries(feed(client, "/wie/SZW/feed/"))

    assert [item["title"] for item in items] == ["Monitor SZW: nieuwe activiteit"]
    assert "Verborgen" not in str(entries(feed(client, "/wie/OCW/feed/")))
    assert client.get("/wie/XYZ/feed/").status_code == 404


def test_pages_point_to_their_feed(client, site):
    shown, _ = site

    assert 'type="application/atom+xml"' in client.get("/").content.decode()
    detail = client.get(f"/activiteiten/{shown.slug}/").content.decode()
    assert f'href="/activiteiten/{shown.slug}/feed/"' in detail
    changes = client.get("/wijzigingen/?wie=OCW").content.decode()
    assert 'rel="alternate" type="application/atom+xml"' in changes
    assert 'href="/wie/OCW/feed/"' in changes


@pytest.mark.parametrize("url", ["/wijzigingen/feed/", "/wie/OCW/feed/", "{activity}"])
def test_the_feeds_take_a_fixed_number_of_queries(client, db, url):
    site = make_public_site(activities=10)
    url = url.format(activity=f"/activiteiten/{site.activities[0].slug}/feed/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    site.add_activities(50)
    many = queries()

    assert few == many, f"{few} queries at 10 activities, {many} at 60"


def test_text_in_a_feed_summary_stays_text(client, action_line, status):
    activity = make_activity(action_line=action_line, status=status, title="Campagne")
    services.propose_changes(
        activity,
        user=make_coordinator(),
        base_version=activity.version,
        changes={"footnotes": [{"number": 1, "text": "Zie <script>x</script>.", "url": ""}]},
    )

    summary = entries(feed(client, "/wijzigingen/feed/"))[0]["summary"]

    # The summary is HTML: once the reader decodes the XML, the tag is still escaped.
    assert summary == "Voetnoot 1 toegevoegd: Zie &lt;script&gt;x&lt;/script&gt;."
