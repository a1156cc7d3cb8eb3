"""The public record of changes (/wijzigingen/): every approved change to a public activity."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures import services
from measures.models import Activity
from tests.factories import make_action_line, make_activity, make_status
from tests.measures.editors import make_coordinator, make_staff_member
from tests.public_site import make_public_site

URL = "/wijzigingen/"


@pytest.fixture
def coordinator(db):
    return make_coordinator()


@pytest.fixture
def activity(action_line, status, ocw):
    return make_activity(
        action_line=action_line,
        status=status,
        actors=(ocw,),
        title="Campagne over grenzen",
        explanation="De campagne loopt in het hele land.",
        timeframe_label="2024",
        footnotes=("Kamerstukken II 2023/24, 34843, nr. 100.",),
    )


def change(activity, user, **changes):
    activity.refresh_from_db()
    return services.propose_changes(
        activity, user=user, base_version=activity.version, changes=changes
    )


def entries(client, query: str = "") -> list[str]:
    """Each change on the page as its text, whitespace collapsed, in page order."""
    response = client.get(URL + query)
    assert response.status_code == 200
    html = response.content.decode()
    items = re.findall(
        r'<li class="change" id="wijziging-\d+">(.*?)</li>\s*(?=<li class="change"|</ol>)',
        html,
        re.S,
    )
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_each_kind_of_change_shows_newest_first_with_old_and_new(
    client, activity, coordinator, closed_status, szw
):
    change(activity, coordinator, status=closed_status)
    change(activity, coordinator, timeframe_label="2024-2025")
    change(activity, coordinator, actors=["OCW", "SZW"])
    change(activity, coordinator, explanation="De campagne is afgerond.")
    change(
        activity,
        coordinator,
        footnotes=[{"number": 2, "text": "Kamerbrief van 1 maart 2025.", "url": ""}],
    )
    change(activity, coordinator, deviates_from_plan=True)
    activity.refresh_from_db()
    activity.title = "Campagne over grenzen en respect"
    services.save_activity(activity, user=coordinator, base_version=activity.version)

    shown = entries(client)

    assert len(shown) == 8
    assert "Titel was Campagne over grenzen → , is nu Campagne over grenzen en respect" in shown[0]
    assert "Wijkt af van de planning was nee → , is nu ja" in shown[1]
    assert "Voetnoot 1 vervallen" in shown[2]
    assert "Voetnoot 2 toegevoegd: Kamerbrief van 1 maart 2025." in shown[2]
    assert "Toelichting" in shown[3]
    assert "De campagne loopt in het hele land." in shown[3]
    assert "De campagne is afgerond." in shown[3]
    assert "Wie was OCW → , is nu OCW, SZW" in shown[4]
    assert "Wanneer was 2024 → , is nu 2024-2025" in shown[5]
    assert "Status was Loopt → , is nu Afgerond" in shown[6]
    assert "Nieuwe activiteit" in shown[7] and "Status: Loopt" in shown[7]


def test_a_deleted_activity_shows_as_no_longer_included(client, activity):
    activity.delete()

    shown = entries(client)

    assert shown[0].startswith("Campagne over grenzen Niet meer opgenomen")
    assert "Laatste status: Loopt" in shown[0]
    assert len(shown) == 1  # its earlier changes went with its page


def test_hidden_activities_and_changes_made_while_hidden_never_show(
    client, action_line, status, closed_status, coordinator
):
    hidden = make_activity(
        action_line=action_line, status=status, title="Verborgen plan", is_public=False
    )
    change(hidden, coordinator, explanation="Geheime toelichting.")
    shown_later = make_activity(action_line=action_line, status=status, title="Later openbaar")
    shown_later.is_public = False
    services.save_activity(shown_later, user=coordinator, base_version=shown_later.version)
    change(shown_later, coordinator, status=closed_status, explanation="Tijdens verborgen.")
    shown_later.refresh_from_db()
    shown_later.is_public = True
    services.save_activity(shown_later, user=coordinator, base_version=shown_later.version)

    shown = entries(client)
    page = " ".join(shown)

    assert "Verborgen plan" not in page and "Geheime toelichting" not in page
    # Made public again: new on the site, with no diff against what it was while hidden.
    assert [entry.split(" Nieuwe")[0] for entry in shown] == ["Later openbaar", "Later openbaar"]
    assert "Tijdens verborgen" not in page and "was Loopt" not in page


def test_a_proposal_waiting_for_review_is_not_shown(client, activity, ocw, closed_status):
    employee = make_staff_member(ocw)
    proposal = change(activity, employee, status=closed_status, explanation="Nog niet goedgekeurd.")

    page = " ".join(entries(client))

    assert proposal.is_pending
    assert "Nog niet goedgekeurd" not in page and "Afgerond" not in page
    assert Activity.history.filter(explanation="Nog niet goedgekeurd.").count() == 0


def test_filters_by_wie_and_action_line(client, status, ocw, szw, action_line):
    other_line = make_action_line(2, title="Wet- en regelgeving")
    make_activity(action_line=action_line, status=status, actors=(ocw,), title="Van OCW")
    make_activity(action_line=other_line, status=status, actors=(szw,), title="Van SZW")

    def titles(query):
        return [entry.split(" Nieuwe")[0] for entry in entries(client, query)]

    assert titles("?wie=OCW") == ["Van OCW"]
    assert titles("?wie=SZW") == ["Van SZW"]
    assert titles("?actielijn=2") == ["Van SZW"]
    assert titles("?actielijn=1&actielijn=2") == ["Van SZW", "Van OCW"]
    assert titles("?actielijn=1&wie=SZW") == []


def test_the_filter_form_offers_every_action_line_and_actor_with_the_chosen_ones_checked(
    client, status, ocw, szw, action_line
):
    make_action_line(2, title="Wet- en regelgeving")

    response = client.get(URL + "?wie=SZW&actielijn=2")

    boxes = re.findall(
        r'<input type="checkbox" name="(\w+)" value="([^"]*)" id="id_\w+_\d+"( checked)?>'
        r'<label for="id_\w+_\d+">([^<]*)</label>',
        response.content.decode(),
    )
    assert [(name, value, bool(checked)) for name, value, checked, _ in boxes] == [
        ("actielijn", "1", False),
        ("actielijn", "2", True),
        ("wie", "OCW", False),
        ("wie", "SZW", True),
    ]


def test_an_unknown_filter_value_is_explained_not_a_500(client, activity):
    response = client.get(URL + "?wie=XYZ&actielijn=99999999999")

    assert response.status_code == 400
    text = response.content.decode()
    assert "„XYZ” is geen bekend ministerie of bekende organisatie" in text
    assert "Campagne over grenzen" not in text


def test_the_changes_are_paginated(client, action_line, status):
    for n in range(30):
        make_activity(action_line=action_line, status=status, title=f"Activiteit nummer {n}")

    first, second = entries(client), entries(client, "?page=2")

    assert len(first) == 25 and len(second) == 5
    assert first[0].startswith("Activiteit nummer 29")
    assert second[-1].startswith("Activiteit nummer 0")


@pytest.mark.parametrize("query", ["", "?page=2", "?wie=OCW&actielijn=1"])
def test_the_query_count_does_not_grow_with_the_number_of_changes(client, db, query):
    site = make_public_site(activities=10)
    make_status("extra", label="Extra")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL + query)
        assert response.status_code == 200
        return len(captured)

    few = queries()
    site.add_activities(50)
    many = queries()

    assert few == many, f"{few} queries at 10 activities, {many} at 60"


def test_changed_text_stays_text(client, activity, coordinator):
    change(activity, coordinator, explanation="Nu met <script>alert(1)</script> erin.")

    page = client.get(URL).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
